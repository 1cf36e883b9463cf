// nl-io.cc — datagram I/O on netlink sockets, one datagram or a batch per syscall.
//
// Buffers belong to the caller: send* read from them, recv* write into them and report lengths,
// so a receive loop allocates nothing. Every call is non-blocking (MSG_DONTWAIT); "nothing to
// read" is -EAGAIN. A datagram larger than its slot comes back with the MSG_TRUNC flag (recvBatch)
// or as -EMSGSIZE (recv) rather than silently cut. waitReadable() is the one blocking call, for
// command-line tools that have no event loop to wait on; the agent uses the Poller instead.
#include "addon.h"

#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>

namespace mm {
namespace {

constexpr unsigned kMaxBatch = 1024;

// Scratch headers for one batch call, reused: a batch call runs to completion on its thread, and
// a vector per call was a malloc/free pair on every upcall batch.
thread_local iovec tIov[kMaxBatch];
thread_local mmsghdr tMsgs[kMaxBatch];

sockaddr_nl KernelAddr() {
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  return sa;  // nl_pid 0 = the kernel
}

bool InRange(Napi::Env env, size_t off, size_t len, size_t total) {
  if (off > total || len > total - off) {
    Napi::RangeError::New(env, "offset/length outside the buffer").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// send(fd, bytes, off, len) -> bytes sent | -errno
Napi::Value Send(const Napi::CallbackInfo& info) {
  int64_t fd, off, len;
  uint8_t* data;
  size_t total;
  if (!ArgInt(info, 0, &fd) || !ArgBytes(info, 1, &data, &total) || !ArgInt(info, 2, &off) ||
      !ArgInt(info, 3, &len) || !InRange(info.Env(), off, len, total))
    return info.Env().Undefined();
  sockaddr_nl sa = KernelAddr();
  ssize_t n;
  do {
    n = sendto(static_cast<int>(fd), data + off, static_cast<size_t>(len), MSG_DONTWAIT,
               reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

// sendBatch(fd, bytes, offsets: Uint32Array, lengths: Uint32Array, count) -> datagrams sent | -errno
// One sendmmsg for up to kMaxBatch datagrams, each message its own datagram so the kernel
// answers (or fails) each independently. A partial count means the rest was not sent.
Napi::Value SendBatch(const Napi::CallbackInfo& info) {
  int64_t fd, count;
  uint8_t *data, *offb, *lenb;
  size_t total, offBytes, lenBytes;
  if (!ArgInt(info, 0, &fd) || !ArgBytes(info, 1, &data, &total) ||
      !ArgBytes(info, 2, &offb, &offBytes) || !ArgBytes(info, 3, &lenb, &lenBytes) ||
      !ArgInt(info, 4, &count))
    return info.Env().Undefined();
  if (count < 0 || static_cast<size_t>(count) * 4 > offBytes ||
      static_cast<size_t>(count) * 4 > lenBytes || count > kMaxBatch) {
    Napi::RangeError::New(info.Env(), "bad batch count").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const uint32_t* offs = reinterpret_cast<const uint32_t*>(offb);
  const uint32_t* lens = reinterpret_cast<const uint32_t*>(lenb);
  sockaddr_nl sa = KernelAddr();
  iovec* iov = tIov;
  mmsghdr* msgs = tMsgs;
  for (int64_t i = 0; i < count; i++) {
    if (!InRange(info.Env(), offs[i], lens[i], total)) return info.Env().Undefined();
    iov[i] = {data + offs[i], lens[i]};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_name = &sa;
    msgs[i].msg_hdr.msg_namelen = sizeof sa;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  unsigned done = 0;
  while (done < count) {
    int n = sendmmsg(static_cast<int>(fd), msgs + done, static_cast<unsigned>(count) - done,
                     MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (done == 0) return Errno(info.Env(), errno);
      break;
    }
    done += static_cast<unsigned>(n);
  }
  return Napi::Number::New(info.Env(), done);
}

// recv(fd, bytes, off, len) -> datagram length | -errno (-EMSGSIZE when it did not fit)
Napi::Value Recv(const Napi::CallbackInfo& info) {
  int64_t fd, off, len;
  uint8_t* data;
  size_t total;
  if (!ArgInt(info, 0, &fd) || !ArgBytes(info, 1, &data, &total) || !ArgInt(info, 2, &off) ||
      !ArgInt(info, 3, &len) || !InRange(info.Env(), off, len, total))
    return info.Env().Undefined();
  iovec iov{data + off, static_cast<size_t>(len)};
  msghdr mh{};
  sockaddr_nl from{};
  mh.msg_name = &from;
  mh.msg_namelen = sizeof from;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  ssize_t n;
  do {
    n = recvmsg(static_cast<int>(fd), &mh, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Errno(info.Env(), errno);
  if (mh.msg_flags & MSG_TRUNC) return Errno(info.Env(), EMSGSIZE);
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

// recvBatch(fd, bytes, slotSize, maxSlots, out: Int32Array) -> datagrams received | -errno
// Datagram i lands at bytes[i * slotSize]; out[2i] = its length, out[2i+1] = msg_flags
// (MSG_TRUNC = 0x20 means it was longer than the slot). -EAGAIN: nothing was pending.
Napi::Value RecvBatch(const Napi::CallbackInfo& info) {
  int64_t fd, slot, max;
  uint8_t *data, *outb;
  size_t total, outBytes;
  if (!ArgInt(info, 0, &fd) || !ArgBytes(info, 1, &data, &total) || !ArgInt(info, 2, &slot) ||
      !ArgInt(info, 3, &max) || !ArgBytes(info, 4, &outb, &outBytes))
    return info.Env().Undefined();
  if (slot <= 0 || max <= 0 || max > kMaxBatch || static_cast<size_t>(slot * max) > total ||
      static_cast<size_t>(max) * 8 > outBytes) {
    Napi::RangeError::New(info.Env(), "bad slot geometry").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  int32_t* out = reinterpret_cast<int32_t*>(outb);
  iovec* iov = tIov;
  mmsghdr* msgs = tMsgs;
  for (int64_t i = 0; i < max; i++) {
    iov[i] = {data + i * slot, static_cast<size_t>(slot)};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int n;
  do {
    n = recvmmsg(static_cast<int>(fd), msgs, static_cast<unsigned>(max), MSG_DONTWAIT,
                 nullptr);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Errno(info.Env(), errno);
  for (int i = 0; i < n; i++) {
    out[2 * i] = static_cast<int32_t>(msgs[i].msg_len);
    out[2 * i + 1] = msgs[i].msg_hdr.msg_flags;
  }
  return Napi::Number::New(info.Env(), n);
}

// waitReadable(fd, timeoutMs) -> 1 readable (or error/hangup pending), 0 timeout | -errno
Napi::Value WaitReadable(const Napi::CallbackInfo& info) {
  int64_t fd, tmo;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &tmo)) return info.Env().Undefined();
  pollfd p{static_cast<int>(fd), POLLIN, 0};
  int n;
  do {
    n = poll(&p, 1, static_cast<int>(tmo));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), n > 0 ? 1 : 0);
}

}  // namespace

void InitIo(Napi::Env env, Napi::Object exports) {
  exports.Set("send", Napi::Function::New(env, Send, "send"));
  exports.Set("sendBatch", Napi::Function::New(env, SendBatch, "sendBatch"));
  exports.Set("recv", Napi::Function::New(env, Recv, "recv"));
  exports.Set("recvBatch", Napi::Function::New(env, RecvBatch, "recvBatch"));
  exports.Set("waitReadable", Napi::Function::New(env, WaitReadable, "waitReadable"));
}

}  // namespace mm
