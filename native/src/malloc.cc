// glibc malloc, as a long-running process needs it: a fixed trim threshold, and giving free
// pages back. Node's own allocations (V8's compiler zones, HTTP and TLS buffers, the
// backing stores of Buffers) come from malloc; glibc keeps what a burst freed unless told.
// Elsewhere than glibc both are no-ops that say so (false).
#include <stdlib.h>  // defines __GLIBC__ where it is glibc

#include "common.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace portside {

// mallocTrimThreshold(bytes): mallopt(M_TRIM_THRESHOLD). Setting it also turns off glibc's
// dynamic thresholds, which after one large block is freed (a 10 MB list answer) raise the
// trim threshold to twice that block, so the threads' arenas never shrink again.
static Napi::Value MallocTrimThreshold(const Napi::CallbackInfo& info) {
  int bytes;
  if (!ArgInt(info, 0, "bytes", &bytes)) return info.Env().Undefined();
  if (bytes < 0) return ThrowType(info.Env(), "bytes must not be negative");
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), mallopt(M_TRIM_THRESHOLD, bytes) == 1);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

// mallocTrim(): malloc_trim(0), the free pages inside every arena given back to the kernel
// (free() only gives back the top of an arena); true if any memory was released.
static Napi::Value MallocTrim(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

void InitMalloc(Napi::Env env, Napi::Object exports) {
  exports.Set("mallocTrimThreshold", Napi::Function::New(env, MallocTrimThreshold, "mallocTrimThreshold"));
  exports.Set("mallocTrim", Napi::Function::New(env, MallocTrim, "mallocTrim"));
}

}  // namespace portside
