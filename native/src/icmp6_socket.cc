// Raw ICMPv6 sockets for NDP: bound to one interface, hop limit 255 both ways,
// only the ICMPv6 types asked for, with destination/ifindex/hop limit per packet.
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

namespace portside {

static bool SetInt(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof(value)) == 0;
}

// icmp6Open(ifindex, passTypes[]) -> fd.
static Napi::Value Icmp6Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ifindex;
  if (!ArgInt(info, 0, "ifindex", &ifindex)) return env.Undefined();
  if (ifindex <= 0) return ThrowType(env, "ifindex must be > 0");
  if (info.Length() < 2 || !info[1].IsArray()) return ThrowType(env, "passTypes must be an array");
  icmp6_filter filter;
  ICMP6_FILTER_SETBLOCKALL(&filter);
  auto types = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < types.Length(); i++) {
    Napi::Value t = types.Get(i);
    if (!t.IsNumber()) return ThrowType(env, "passTypes must hold numbers");
    int type = t.As<Napi::Number>().Int32Value();
    if (type < 0 || type > 255) return ThrowType(env, "ICMPv6 type must be 0..255");
    ICMP6_FILTER_SETPASS(type, &filter);
  }
  char ifname[IF_NAMESIZE] = {0};
  if (if_indextoname(static_cast<unsigned>(ifindex), ifname) == nullptr) {
    return ThrowErrno(env, errno, "if_indextoname");
  }

  int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
  if (fd < 0) return ThrowErrno(env, errno, "socket");
  const char* failed = nullptr;
  if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter)) != 0) {
    failed = "setsockopt(ICMP6_FILTER)";
  } else if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname)) != 0) {
    failed = "setsockopt(SO_BINDTODEVICE)";
  } else if (!SetInt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255)) {
    failed = "setsockopt(IPV6_UNICAST_HOPS)";
  } else if (!SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255)) {
    failed = "setsockopt(IPV6_MULTICAST_HOPS)";
  } else if (!SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex)) {
    failed = "setsockopt(IPV6_MULTICAST_IF)";
  } else if (!SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0)) {
    failed = "setsockopt(IPV6_MULTICAST_LOOP)";
  } else if (!SetInt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)) {
    failed = "setsockopt(IPV6_RECVPKTINFO)";
  } else if (!SetInt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)) {
    failed = "setsockopt(IPV6_RECVHOPLIMIT)";
  } else if (!SetInt(fd, IPPROTO_IPV6, IPV6_FREEBIND, 1)) {
    // Lets IPV6_PKTINFO name a source the interface does not hold (a service VIP).
    failed = "setsockopt(IPV6_FREEBIND)";
  }
  if (failed != nullptr) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, err, failed);
  }
  return Napi::Number::New(env, fd);
}

// icmp6Membership(fd, ifindex, group, join) -> true when membership changed.
static Napi::Value Icmp6Membership(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, ifindex;
  std::string group;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 1, "ifindex", &ifindex) ||
      !ArgString(info, 2, "group", &group)) {
    return env.Undefined();
  }
  bool join = info.Length() > 3 && info[3].ToBoolean().Value();
  SockAddr sa;
  if (!ParseSockAddr(group, 0, AF_INET6, &sa) || sa.family != AF_INET6) {
    return ThrowType(env, "group must be an IPv6 address: " + group);
  }
  ipv6_mreq mreq{};
  mreq.ipv6mr_multiaddr = reinterpret_cast<sockaddr_in6*>(&sa.storage)->sin6_addr;
  mreq.ipv6mr_interface = static_cast<unsigned>(ifindex);
  int name = join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP;
  if (setsockopt(fd, IPPROTO_IPV6, name, &mreq, sizeof(mreq)) != 0) {
    if (join && errno == EADDRINUSE) return Napi::Boolean::New(env, false);
    if (!join && errno == EADDRNOTAVAIL) return Napi::Boolean::New(env, false);
    return ThrowErrno(env, errno, join ? "setsockopt(IPV6_JOIN_GROUP)" : "setsockopt(IPV6_LEAVE_GROUP)");
  }
  return Napi::Boolean::New(env, true);
}

// icmp6Send(fd, destination, ifindex, source | null, message) -> bytes sent.
// The kernel fills in the ICMPv6 checksum on raw ICMPv6 sockets.
static Napi::Value Icmp6Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, ifindex;
  std::string destination;
  if (!ArgFd(info, 0, &fd) || !ArgString(info, 1, "destination", &destination) ||
      !ArgInt(info, 2, "ifindex", &ifindex)) {
    return env.Undefined();
  }
  SockAddr dst;
  if (!ParseSockAddr(destination, 0, AF_INET6, &dst)) {
    return ThrowType(env, "destination must be an IPv6 address: " + destination);
  }
  auto* dst6 = reinterpret_cast<sockaddr_in6*>(&dst.storage);
  if (dst6->sin6_scope_id == 0 && (IN6_IS_ADDR_LINKLOCAL(&dst6->sin6_addr) ||
                                   IN6_IS_ADDR_MC_LINKLOCAL(&dst6->sin6_addr))) {
    dst6->sin6_scope_id = static_cast<uint32_t>(ifindex);
  }
  in6_pktinfo pktinfo{};
  pktinfo.ipi6_ifindex = static_cast<unsigned>(ifindex);
  if (info.Length() > 3 && info[3].IsString()) {
    SockAddr src;
    std::string source = info[3].As<Napi::String>().Utf8Value();
    if (!ParseSockAddr(source, 0, AF_INET6, &src)) {
      return ThrowType(env, "source must be an IPv6 address: " + source);
    }
    pktinfo.ipi6_addr = reinterpret_cast<sockaddr_in6*>(&src.storage)->sin6_addr;
  }
  if (info.Length() < 5 || !info[4].IsTypedArray()) return ThrowType(env, "message must be a Uint8Array");
  auto message = info[4].As<Napi::Uint8Array>();

  iovec iov{message.Data(), message.ByteLength()};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {0};
  msghdr msg{};
  msg.msg_name = dst6;
  msg.msg_namelen = sizeof(sockaddr_in6);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = IPPROTO_IPV6;
  cmsg->cmsg_type = IPV6_PKTINFO;
  cmsg->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
  memcpy(CMSG_DATA(cmsg), &pktinfo, sizeof(pktinfo));
  ssize_t n;
  do {
    n = sendmsg(fd, &msg, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ThrowErrno(env, errno, "sendmsg");
  return Napi::Number::New(env, static_cast<double>(n));
}

// icmp6Recv(fd) -> { data, source, destination, hopLimit, ifindex } | undefined.
// hopLimit is -1 when the kernel did not report it.
static Napi::Value Icmp6Recv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, &fd)) return env.Undefined();
  static thread_local unsigned char buf[65536];
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + 64];
  sockaddr_in6 from{};
  iovec iov{buf, sizeof(buf)};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof(from);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(fd, &msg, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return env.Undefined();
    return ThrowErrno(env, errno, "recvmsg");
  }
  int hop_limit = -1;
  int ifindex = 0;
  std::string destination;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != IPPROTO_IPV6) continue;
    if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(in6_pktinfo))) {
      in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof(pi));
      destination = FormatIn6(&pi.ipi6_addr);
      ifindex = static_cast<int>(pi.ipi6_ifindex);
    } else if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      memcpy(&hop_limit, CMSG_DATA(c), sizeof(int));
    }
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", Napi::Buffer<unsigned char>::Copy(env, buf, static_cast<size_t>(n)));
  out.Set("source", Napi::String::New(env, FormatIn6(&from.sin6_addr)));
  out.Set("destination", Napi::String::New(env, destination));
  out.Set("hopLimit", Napi::Number::New(env, hop_limit));
  out.Set("ifindex", Napi::Number::New(env, ifindex));
  return out;
}

void InitIcmp6Socket(Napi::Env env, Napi::Object exports) {
  exports.Set("icmp6Open", Napi::Function::New(env, Icmp6Open, "icmp6Open"));
  exports.Set("icmp6Membership", Napi::Function::New(env, Icmp6Membership, "icmp6Membership"));
  exports.Set("icmp6Send", Napi::Function::New(env, Icmp6Send, "icmp6Send"));
  exports.Set("icmp6Recv", Napi::Function::New(env, Icmp6Recv, "icmp6Recv"));
}

}  // namespace portside
