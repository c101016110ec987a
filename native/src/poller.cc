// Poller: a uv_poll_t on the Node loop that calls back into JS when an fd is
// readable/writable, so TS drains non-blocking sockets without blocking the loop.
#include <uv.h>

#include "common.h"

namespace portside {

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Poller",
                       {
                           InstanceMethod<&Poller::Start>("start"),
                           InstanceMethod<&Poller::Stop>("stop"),
                           InstanceMethod<&Poller::Close>("close"),
                           InstanceMethod<&Poller::RefHandle>("ref"),
                           InstanceMethod<&Poller::UnrefHandle>("unref"),
                       });
  }

  // new Poller(fd, callback(status, events)); the fd stays owned by the caller.
  explicit Poller(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<Poller>(info), context_(info.Env(), "PortsidePoller") {
    Napi::Env env = info.Env();
    int fd;
    if (!ArgFd(info, 0, &fd)) return;
    if (info.Length() < 2 || !info[1].IsFunction()) {
      ThrowType(env, "callback must be a function");
      return;
    }
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
      ThrowType(env, "no libuv loop");
      return;
    }
    handle_ = new uv_poll_t;
    int rc = uv_poll_init_socket(loop, handle_, fd);
    if (rc != 0) {
      delete handle_;
      handle_ = nullptr;
      ThrowErrno(env, -rc, "uv_poll_init");
      return;
    }
    handle_->data = this;
    callback_ = Napi::Persistent(info[1].As<Napi::Function>());
  }

  ~Poller() override { Release(); }

 private:
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int events;
    if (!ArgInt(info, 0, "events", &events)) return env.Undefined();
    if (handle_ == nullptr) return ThrowType(env, "poller is closed");
    int rc = uv_poll_start(handle_, events & (UV_READABLE | UV_WRITABLE), OnPoll);
    if (rc != 0) return ThrowErrno(env, -rc, "uv_poll_start");
    // While polling, the JS object must outlive GC so its callback can run.
    if (!strong_) {
      Ref();
      strong_ = true;
    }
    return env.Undefined();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_poll_stop(handle_);
    Weaken();
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Release();
    Weaken();
    return info.Env().Undefined();
  }

  Napi::Value RefHandle(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value UnrefHandle(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  void Weaken() {
    if (strong_) {
      strong_ = false;
      Unref();
    }
  }

  // Stops polling (libuv removes the fd from epoll here, so the caller may close it
  // next) and frees the handle once libuv is done with it.
  void Release() {
    if (handle_ == nullptr) return;
    uv_poll_stop(handle_);
    handle_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(handle_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    handle_ = nullptr;
  }

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    auto* self = static_cast<Poller*>(handle->data);
    if (self == nullptr) return;
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    self->callback_.MakeCallback(
        self->Value(), {Napi::Number::New(env, status), Napi::Number::New(env, events)},
        self->context_);
    if (env.IsExceptionPending()) {
      // Same fate as a throw in any other I/O callback: 'uncaughtException'.
      Napi::Error error = env.GetAndClearPendingException();
      napi_fatal_exception(env, error.Value());
    }
  }

  Napi::AsyncContext context_;
  Napi::FunctionReference callback_;
  uv_poll_t* handle_ = nullptr;
  bool strong_ = false;
};

Napi::Function InitPoller(Napi::Env env) {
  Napi::Function ctor = Poller::Define(env);
  ctor.Set("READABLE", Napi::Number::New(env, UV_READABLE));
  ctor.Set("WRITABLE", Napi::Number::New(env, UV_WRITABLE));
  return ctor;
}

}  // namespace portside
