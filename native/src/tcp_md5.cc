// TCP sockets with RFC 2385 MD5 signatures. TCP_MD5SIG must be set before
// connect/listen, which Node's net module cannot do, so the addon makes the socket.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

namespace portside {

static Napi::Value TcpSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int version;
  if (!ArgInt(info, 0, "family", &version)) return env.Undefined();
  if (version != 4 && version != 6) return ThrowType(env, "family must be 4 or 6");
  int fd = socket(version == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ThrowErrno(env, errno, "socket");
  return Napi::Number::New(env, fd);
}

// tcpSetMd5Key(fd, address, key, prefixLength): an empty key deletes; prefixLength
// >= 0 uses TCP_MD5SIG_EXT so one key covers a whole peer range.
static Napi::Value TcpSetMd5Key(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, prefix;
  std::string address;
  if (!ArgFd(info, 0, &fd) || !ArgString(info, 1, "address", &address)) return env.Undefined();
  if (info.Length() < 3 || !info[2].IsTypedArray()) return ThrowType(env, "key must be a Uint8Array");
  if (!ArgInt(info, 3, "prefixLength", &prefix)) return env.Undefined();
  auto key = info[2].As<Napi::Uint8Array>();
  if (key.ByteLength() > TCP_MD5SIG_MAXKEYLEN) {
    return ThrowType(env, "key is longer than " + std::to_string(TCP_MD5SIG_MAXKEYLEN) + " bytes");
  }
  int family = SocketFamily(fd);
  if (family < 0) return ThrowErrno(env, errno, "getsockopt(SO_DOMAIN)");
  SockAddr sa;
  // On an IPv6 socket an IPv4 peer arrives as ::ffff:a.b.c.d; the kernel maps the key back.
  if (!ParseSockAddr(address, 0, family, &sa)) {
    return ThrowType(env, "address does not fit the socket's family: " + address);
  }
  int max_prefix = sa.family == AF_INET ? 32 : 128;
  tcp_md5sig sig{};
  memcpy(&sig.tcpm_addr, &sa.storage, sa.length);
  sig.tcpm_keylen = static_cast<uint16_t>(key.ByteLength());
  memcpy(sig.tcpm_key, key.Data(), key.ByteLength());
  int name = TCP_MD5SIG;
  if (prefix >= 0) {
    bool mapped = family == AF_INET6 && address.find(':') == std::string::npos;
    if (mapped) prefix += 96;
    if (prefix > max_prefix) return ThrowType(env, "prefixLength is too long");
    sig.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
    sig.tcpm_prefixlen = static_cast<uint8_t>(prefix);
    name = TCP_MD5SIG_EXT;
  }
  if (setsockopt(fd, IPPROTO_TCP, name, &sig, sizeof(sig)) != 0) {
    // Deleting a key that is not there is already done.
    if (key.ByteLength() == 0 && errno == ENOENT) return env.Undefined();
    return ThrowErrno(env, errno, prefix >= 0 ? "setsockopt(TCP_MD5SIG_EXT)" : "setsockopt(TCP_MD5SIG)");
  }
  return env.Undefined();
}

// tcpSetHops(fd, ttl, minimum): outgoing TTL / hop limit, or with minimum=true the
// GTSM floor (RFC 5082) for incoming segments.
static Napi::Value TcpSetHops(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, ttl;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 1, "ttl", &ttl)) return env.Undefined();
  if (ttl < 0 || ttl > 255) return ThrowType(env, "ttl must be 0..255");
  bool minimum = info.Length() > 2 && info[2].ToBoolean().Value();
  int family = SocketFamily(fd);
  if (family < 0) return ThrowErrno(env, errno, "getsockopt(SO_DOMAIN)");
  int level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
  int name;
  const char* what;
  if (family == AF_INET) {
    name = minimum ? IP_MINTTL : IP_TTL;
    what = minimum ? "setsockopt(IP_MINTTL)" : "setsockopt(IP_TTL)";
  } else {
    name = minimum ? IPV6_MINHOPCOUNT : IPV6_UNICAST_HOPS;
    what = minimum ? "setsockopt(IPV6_MINHOPCOUNT)" : "setsockopt(IPV6_UNICAST_HOPS)";
  }
  if (setsockopt(fd, level, name, &ttl, sizeof(ttl)) != 0) return ThrowErrno(env, errno, what);
  return env.Undefined();
}

// tcpBind(fd, address, port, reuseAddress).
static Napi::Value TcpBind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, port;
  std::string address;
  if (!ArgFd(info, 0, &fd) || !ArgString(info, 1, "address", &address) ||
      !ArgInt(info, 2, "port", &port)) {
    return env.Undefined();
  }
  bool reuse = info.Length() > 3 && info[3].ToBoolean().Value();
  int family = SocketFamily(fd);
  if (family < 0) return ThrowErrno(env, errno, "getsockopt(SO_DOMAIN)");
  SockAddr sa;
  if (!ParseSockAddr(address, port, family, &sa)) {
    return ThrowType(env, "address/port do not fit the socket: " + address);
  }
  int one = 1;
  if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
    return ThrowErrno(env, errno, "setsockopt(SO_REUSEADDR)");
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa.storage), sa.length) != 0) {
    return ThrowErrno(env, errno, "bind");
  }
  return env.Undefined();
}

static Napi::Value TcpListen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, backlog;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 1, "backlog", &backlog)) return env.Undefined();
  if (listen(fd, backlog) != 0) return ThrowErrno(env, errno, "listen");
  return env.Undefined();
}

// tcpConnect(fd, address, port) -> true if connected at once, false if in progress.
static Napi::Value TcpConnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, port;
  std::string address;
  if (!ArgFd(info, 0, &fd) || !ArgString(info, 1, "address", &address) ||
      !ArgInt(info, 2, "port", &port)) {
    return env.Undefined();
  }
  int family = SocketFamily(fd);
  if (family < 0) return ThrowErrno(env, errno, "getsockopt(SO_DOMAIN)");
  SockAddr sa;
  if (!ParseSockAddr(address, port, family, &sa)) {
    return ThrowType(env, "address/port do not fit the socket: " + address);
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa.storage), sa.length) == 0) {
    return Napi::Boolean::New(env, true);
  }
  if (errno == EINPROGRESS || errno == EINTR) return Napi::Boolean::New(env, false);
  return ThrowErrno(env, errno, "connect");
}

// tcpConnectResult(fd): after the fd polls writable, throws the connect error if any.
static Napi::Value TcpConnectResult(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, &fd)) return env.Undefined();
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
    return ThrowErrno(env, errno, "getsockopt(SO_ERROR)");
  }
  if (err != 0) return ThrowErrno(env, err, "connect");
  return env.Undefined();
}

void InitTcpMd5(Napi::Env env, Napi::Object exports) {
  exports.Set("tcpSocket", Napi::Function::New(env, TcpSocket, "tcpSocket"));
  exports.Set("tcpSetMd5Key", Napi::Function::New(env, TcpSetMd5Key, "tcpSetMd5Key"));
  exports.Set("tcpSetHops", Napi::Function::New(env, TcpSetHops, "tcpSetHops"));
  exports.Set("tcpBind", Napi::Function::New(env, TcpBind, "tcpBind"));
  exports.Set("tcpListen", Napi::Function::New(env, TcpListen, "tcpListen"));
  exports.Set("tcpConnect", Napi::Function::New(env, TcpConnect, "tcpConnect"));
  exports.Set("tcpConnectResult", Napi::Function::New(env, TcpConnectResult, "tcpConnectResult"));
}

}  // namespace portside
