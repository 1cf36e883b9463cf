// binding.cc — module entry point: argument helpers and registration of every concern.
#include "addon.h"

namespace mm {

// One N-API call per argument (napi_get_value_int64 / napi_get_typedarray_info report a wrong type
// through their status): these run once or more per datagram batch on the packet path.
bool ArgInt(const Napi::CallbackInfo& info, size_t i, int64_t* out) {
  if (info.Length() <= i || napi_get_value_int64(info.Env(), info[i], out) != napi_ok) {
    Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number")
        .ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// Accepts any TypedArray (Buffer included) and yields its bytes, honouring its byteOffset
// (napi_get_typedarray_info already returns the data pointer at the view's first element).
bool ArgBytes(const Napi::CallbackInfo& info, size_t i, uint8_t** data, size_t* len) {
  napi_typedarray_type type;
  size_t length = 0;
  void* p = nullptr;
  if (info.Length() <= i ||
      napi_get_typedarray_info(info.Env(), info[i], &type, &length, &p, nullptr, nullptr) != napi_ok) {
    Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a TypedArray")
        .ThrowAsJavaScriptException();
    return false;
  }
  size_t width = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: width = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: width = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: width = 8; break;
    default: width = 1;
  }
  *data = static_cast<uint8_t*>(p);
  *len = length * width;
  return true;
}

}  // namespace mm

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  mm::InitSocket(env, exports);
  mm::InitIo(env, exports);
  mm::InitPoller(env, exports);
  return exports;
}

NODE_API_MODULE(mm_netlink, Init)
