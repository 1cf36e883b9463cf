// binding.cc — module entry point: argument helpers and registration of every concern.
#include "addon.h"

namespace mm {

bool ArgInt(const Napi::CallbackInfo& info, size_t i, int64_t* out) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number")
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = info[i].As<Napi::Number>().Int64Value();
  return true;
}

// Accepts any TypedArray (Buffer included) and yields its bytes, honouring its byteOffset.
bool ArgBytes(const Napi::CallbackInfo& info, size_t i, uint8_t** data, size_t* len) {
  if (info.Length() <= i || !info[i].IsTypedArray()) {
    Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a TypedArray")
        .ThrowAsJavaScriptException();
    return false;
  }
  Napi::TypedArray ta = info[i].As<Napi::TypedArray>();
  Napi::ArrayBuffer ab = ta.ArrayBuffer();
  *data = static_cast<uint8_t*>(ab.Data()) + ta.ByteOffset();
  *len = ta.ByteLength();
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
