// nl-socket.cc — netlink socket lifetime and options.
//
// A socket is a plain file descriptor number in JavaScript. open() creates it non-blocking and
// close-on-exec and binds it with nl_pid = 0 so the kernel assigns a unique port id (the "pid"
// that OVS calls the upcall PID); pid() reads that id back with getsockname. Options are set one
// by one so the caller decides (the spec's 2 MiB SO_RCVBUFFORCE, NO_ENOBUFS, BROADCAST_ERROR).
#include "addon.h"

#include <errno.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

namespace mm {
namespace {

// open(protocol, groups) -> fd | -errno
Napi::Value Open(const Napi::CallbackInfo& info) {
  int64_t protocol, groups;
  if (!ArgInt(info, 0, &protocol) || !ArgInt(info, 1, &groups)) return info.Env().Undefined();
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, static_cast<int>(protocol));
  if (fd < 0) return Errno(info.Env(), errno);
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_pid = 0;
  sa.nl_groups = static_cast<uint32_t>(groups);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    int err = errno;
    close(fd);
    return Errno(info.Env(), err);
  }
  return Napi::Number::New(info.Env(), fd);
}

// close(fd) -> 0 | -errno
Napi::Value Close(const Napi::CallbackInfo& info) {
  int64_t fd;
  if (!ArgInt(info, 0, &fd)) return info.Env().Undefined();
  if (close(static_cast<int>(fd)) < 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

// pid(fd) -> netlink port id assigned by the kernel | -errno
Napi::Value Pid(const Napi::CallbackInfo& info) {
  int64_t fd;
  if (!ArgInt(info, 0, &fd)) return info.Env().Undefined();
  sockaddr_nl sa{};
  socklen_t len = sizeof sa;
  if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&sa), &len) < 0)
    return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), sa.nl_pid);
}

int GetIntOpt(int fd, int level, int opt, int* value) {
  socklen_t len = sizeof *value;
  return getsockopt(fd, level, opt, value, &len) < 0 ? errno : 0;
}

// setBuffer(fd, which, bytes) -> effective size reported by the kernel | -errno
// which: 0 = receive, 1 = send. The *FORCE variant bypasses rmem_max/wmem_max but needs
// CAP_NET_ADMIN; without it the plain option is used and the kernel clamps the size.
Napi::Value SetBuffer(const Napi::CallbackInfo& info) {
  int64_t fd, which, bytes;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &which) || !ArgInt(info, 2, &bytes))
    return info.Env().Undefined();
  int s = static_cast<int>(fd), v = static_cast<int>(bytes);
  int force = which == 0 ? SO_RCVBUFFORCE : SO_SNDBUFFORCE;
  int plain = which == 0 ? SO_RCVBUF : SO_SNDBUF;
  if (setsockopt(s, SOL_SOCKET, force, &v, sizeof v) < 0 &&
      setsockopt(s, SOL_SOCKET, plain, &v, sizeof v) < 0)
    return Errno(info.Env(), errno);
  int got = 0;
  int err = GetIntOpt(s, SOL_SOCKET, plain, &got);
  if (err != 0) return Errno(info.Env(), err);
  return Napi::Number::New(info.Env(), got);
}

// setNetlinkOpt(fd, option, value) -> 0 | -errno   (SOL_NETLINK level: NO_ENOBUFS, ADD_MEMBERSHIP…)
Napi::Value SetNetlinkOpt(const Napi::CallbackInfo& info) {
  int64_t fd, opt, value;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &opt) || !ArgInt(info, 2, &value))
    return info.Env().Undefined();
  int v = static_cast<int>(value);
  if (setsockopt(static_cast<int>(fd), SOL_NETLINK, static_cast<int>(opt), &v, sizeof v) < 0)
    return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

// pendingError(fd) -> SO_ERROR (positive errno or 0), clearing it | -errno
Napi::Value PendingError(const Napi::CallbackInfo& info) {
  int64_t fd;
  if (!ArgInt(info, 0, &fd)) return info.Env().Undefined();
  int v = 0;
  int err = GetIntOpt(static_cast<int>(fd), SOL_SOCKET, SO_ERROR, &v);
  if (err != 0) return Errno(info.Env(), err);
  return Napi::Number::New(info.Env(), v);
}

}  // namespace

void InitSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("open", Napi::Function::New(env, Open, "open"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("pid", Napi::Function::New(env, Pid, "pid"));
  exports.Set("setBuffer", Napi::Function::New(env, SetBuffer, "setBuffer"));
  exports.Set("setNetlinkOpt", Napi::Function::New(env, SetNetlinkOpt, "setNetlinkOpt"));
  exports.Set("pendingError", Napi::Function::New(env, PendingError, "pendingError"));
}

}  // namespace mm
