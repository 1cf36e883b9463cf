// poller.cc — readability notifications for a socket, driven by the Node event loop.
//
// new Poller(fd, callback) wraps a uv_poll_t on the libuv loop of the calling thread. While
// started, libuv calls back on that same thread whenever the fd is readable (level-triggered),
// and the callback receives (status, events): status is 0 or a negative errno from libuv.
// The callback is expected to drain the socket with recvBatch until -EAGAIN.
//
// Ownership: the uv handle lives apart from the JS object because uv_close completes
// asynchronously; the Poller holds a strong reference to itself while started so it cannot be
// collected with a live handle, and close() must be called before dropping it.
#include "addon.h"

#include <uv.h>

namespace mm {
namespace {

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Poller",
                       {InstanceMethod("start", &Poller::Start),
                        InstanceMethod("stop", &Poller::Stop),
                        InstanceMethod("close", &Poller::Close)});
  }

  explicit Poller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Poller>(info) {
    int64_t fd;
    if (!ArgInt(info, 0, &fd)) return;
    if (info.Length() < 2 || !info[1].IsFunction()) {
      Napi::TypeError::New(info.Env(), "callback must be a function").ThrowAsJavaScriptException();
      return;
    }
    callback_ = Napi::Persistent(info[1].As<Napi::Function>());
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(info.Env(), &loop) != napi_ok || loop == nullptr) {
      Napi::Error::New(info.Env(), "no libuv loop").ThrowAsJavaScriptException();
      return;
    }
    handle_ = new uv_poll_t;
    int rc = uv_poll_init(loop, handle_, static_cast<int>(fd));
    if (rc != 0) {
      delete handle_;
      handle_ = nullptr;
      init_error_ = rc;
      return;
    }
    handle_->data = this;
  }

  ~Poller() override { CloseHandle(); }

 private:
  static void OnEvent(uv_poll_t* h, int status, int events) {
    Poller* self = static_cast<Poller*>(h->data);
    if (self == nullptr) return;
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    self->callback_.MakeCallback(env.Global(), {Napi::Number::New(env, status),
                                                Napi::Number::New(env, events)});
  }

  // start() -> 0 | -errno (uv error codes are negative errno on Linux)
  Napi::Value Start(const Napi::CallbackInfo& info) {
    if (handle_ == nullptr) return Napi::Number::New(info.Env(), init_error_ ? init_error_ : -9);
    int rc = uv_poll_start(handle_, UV_READABLE, OnEvent);
    if (rc == 0 && !started_) {
      started_ = true;
      Ref();
    }
    return Napi::Number::New(info.Env(), rc);
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    StopHandle();
    return Napi::Number::New(info.Env(), 0);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    CloseHandle();
    return info.Env().Undefined();
  }

  void StopHandle() {
    if (handle_ != nullptr) uv_poll_stop(handle_);
    if (started_) {
      started_ = false;
      Unref();
    }
  }

  void CloseHandle() {
    StopHandle();
    if (handle_ == nullptr) return;
    handle_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(handle_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    handle_ = nullptr;
  }

  Napi::FunctionReference callback_;
  uv_poll_t* handle_ = nullptr;
  int init_error_ = 0;
  bool started_ = false;
};

}  // namespace

void InitPoller(Napi::Env env, Napi::Object exports) {
  exports.Set("Poller", Poller::Define(env));
}

}  // namespace mm
