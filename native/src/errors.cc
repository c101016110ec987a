// Errors shaped like Node's own system errors so TS can switch on err.code.
#include <string.h>
#include <uv.h>

#include "common.h"

namespace portside {

Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall) {
  const char* code = uv_err_name(-err);
  std::string message = std::string(syscall) + " " + code + ": " + strerror(err);
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  error.Set("errno", Napi::Number::New(env, -err));
  error.Set("syscall", Napi::String::New(env, syscall));
  error.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowType(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

bool ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int* out) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    ThrowType(info.Env(), std::string(name) + " must be a number");
    return false;
  }
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (v != static_cast<double>(static_cast<int>(v))) {
    ThrowType(info.Env(), std::string(name) + " must be an int32");
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool ArgFd(const Napi::CallbackInfo& info, size_t i, int* fd) {
  if (!ArgInt(info, i, "fd", fd)) return false;
  if (*fd < 0) {
    ThrowType(info.Env(), "fd must be >= 0");
    return false;
  }
  return true;
}

bool ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out) {
  if (info.Length() <= i || !info[i].IsString()) {
    ThrowType(info.Env(), std::string(name) + " must be a string");
    return false;
  }
  *out = info[i].As<Napi::String>().Utf8Value();
  return true;
}

}  // namespace portside
