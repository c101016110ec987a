// Shared helpers for the Portside native addon: errno errors and socket addresses.
#pragma once

#include <napi.h>
#include <sys/socket.h>

#include <string>

namespace portside {

// Throws a Node-style system error (code, errno, syscall) and returns undefined.
Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall);
Napi::Value ThrowType(Napi::Env env, const std::string& message);

// Reads argument i as a non-negative int32 file descriptor; throws and returns false if not.
bool ArgFd(const Napi::CallbackInfo& info, size_t i, int* fd);
bool ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int* out);
bool ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out);

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = 0;
};

// Parses an IPv4/IPv6 literal (IPv6 may carry %scope as a name or index). When
// want_family is AF_INET6 an IPv4 literal becomes its IPv4-mapped IPv6 form.
bool ParseSockAddr(const std::string& text, int port, int want_family, SockAddr* out);

std::string FormatIn6(const void* addr16);

// SO_DOMAIN of a socket, or -1 with errno set.
int SocketFamily(int fd);

Napi::Function InitPoller(Napi::Env env);
void InitPacketSocket(Napi::Env env, Napi::Object exports);
void InitIcmp6Socket(Napi::Env env, Napi::Object exports);
void InitTcpMd5(Napi::Env env, Napi::Object exports);
void InitMalloc(Napi::Env env, Napi::Object exports);

}  // namespace portside
