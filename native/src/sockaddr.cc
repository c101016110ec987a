// Socket address parsing; the kernel wants sockaddr structs, TS speaks strings.
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

namespace portside {

static bool ParseScope(const std::string& scope, uint32_t* out) {
  if (scope.empty()) return false;
  char* end = nullptr;
  unsigned long n = strtoul(scope.c_str(), &end, 10);
  if (end != nullptr && *end == '\0') {
    *out = static_cast<uint32_t>(n);
    return true;
  }
  unsigned int index = if_nametoindex(scope.c_str());
  if (index == 0) return false;
  *out = index;
  return true;
}

bool ParseSockAddr(const std::string& text, int port, int want_family, SockAddr* out) {
  *out = SockAddr{};
  if (port < 0 || port > 65535) return false;
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    if (want_family == AF_INET6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(static_cast<uint16_t>(port));
      sin6->sin6_addr.s6_addr[10] = 0xff;
      sin6->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&sin6->sin6_addr.s6_addr[12], &v4, 4);
      out->length = sizeof(sockaddr_in6);
      out->family = AF_INET6;
      return true;
    }
    auto* sin = reinterpret_cast<sockaddr_in*>(&out->storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    sin->sin_addr = v4;
    out->length = sizeof(sockaddr_in);
    out->family = AF_INET;
    return true;
  }
  if (want_family == AF_INET) return false;
  std::string addr = text;
  uint32_t scope = 0;
  size_t pct = text.find('%');
  if (pct != std::string::npos) {
    addr = text.substr(0, pct);
    if (!ParseScope(text.substr(pct + 1), &scope)) return false;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
  if (inet_pton(AF_INET6, addr.c_str(), &sin6->sin6_addr) != 1) return false;
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(static_cast<uint16_t>(port));
  sin6->sin6_scope_id = scope;
  out->length = sizeof(sockaddr_in6);
  out->family = AF_INET6;
  return true;
}

std::string FormatIn6(const void* addr16) {
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET6, addr16, buf, sizeof(buf));
  return buf;
}

int SocketFamily(int fd) {
  int domain = 0;
  socklen_t len = sizeof(domain);
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) return -1;
  return domain;
}

}  // namespace portside
