// Portside native addon: only what Node cannot do (raw sockets, TCP-MD5, fd polling, glibc malloc settings).
#include <errno.h>
#include <unistd.h>

#include "common.h"

namespace portside {

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return info.Env().Undefined();
  // Linux releases the fd even when close reports EINTR; retrying could close a reused fd.
  if (close(fd) != 0 && errno != EINTR) return ThrowErrno(info.Env(), errno, "close");
  return info.Env().Undefined();
}

}  // namespace portside

static Napi::Object InitPortside(Napi::Env env, Napi::Object exports) {
  exports.Set("Poller", portside::InitPoller(env));
  exports.Set("close", Napi::Function::New(env, portside::CloseFd, "close"));
  portside::InitPacketSocket(env, exports);
  portside::InitIcmp6Socket(env, exports);
  portside::InitTcpMd5(env, exports);
  portside::InitMalloc(env, exports);
  return exports;
}

NODE_API_MODULE(portside_native, InitPortside)
