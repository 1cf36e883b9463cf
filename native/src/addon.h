// addon.h — shared declarations of the midolman-ts netlink addon.
//
// The addon is a thin syscall layer: it opens netlink sockets, sends and receives datagrams into
// buffers the caller owns, and tells JavaScript when a socket becomes readable. It holds no policy
// (no retries, no parsing, no logging). Failures of the system are returned as negative errno
// numbers; only programming errors (wrong argument types, out-of-range offsets) throw.
#pragma once

#include <napi.h>
#include <cstdint>

namespace mm {

// Each concern registers its functions on the exports object.
void InitSocket(Napi::Env env, Napi::Object exports);
void InitIo(Napi::Env env, Napi::Object exports);
void InitPoller(Napi::Env env, Napi::Object exports);

// Argument helpers: they throw a TypeError (pending JS exception) and return false on misuse.
bool ArgInt(const Napi::CallbackInfo& info, size_t i, int64_t* out);
bool ArgBytes(const Napi::CallbackInfo& info, size_t i, uint8_t** data, size_t* len);

// A negative errno as a JS number: the facade turns it into a coded error when it wants to.
inline Napi::Value Errno(Napi::Env env, int err) { return Napi::Number::New(env, -err); }

}  // namespace mm
