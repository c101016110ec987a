// AF_PACKET raw sockets bound to one interface and one EtherType (ARP).
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

namespace portside {

static constexpr size_t kMaxFrame = 65536;

// packetOpen(ifindex, etherType) -> fd (non-blocking, close-on-exec).
static Napi::Value PacketOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ifindex, ether_type;
  if (!ArgInt(info, 0, "ifindex", &ifindex) || !ArgInt(info, 1, "etherType", &ether_type)) {
    return env.Undefined();
  }
  if (ifindex <= 0) return ThrowType(env, "ifindex must be > 0");
  if (ether_type < 0 || ether_type > 0xffff) return ThrowType(env, "etherType must be 0..65535");
  // Protocol 0 until bind: otherwise frames from every interface queue up in between.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ThrowErrno(env, errno, "socket");
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(static_cast<uint16_t>(ether_type));
  sll.sll_ifindex = ifindex;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) != 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, err, "bind");
  }
  return Napi::Number::New(env, fd);
}

// packetSend(fd, frame) -> bytes sent. The frame starts at the Ethernet header.
static Napi::Value PacketSend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, &fd)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsTypedArray()) return ThrowType(env, "frame must be a Uint8Array");
  auto frame = info[1].As<Napi::Uint8Array>();
  ssize_t n;
  do {
    n = send(fd, frame.Data(), frame.ByteLength(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ThrowErrno(env, errno, "send");
  return Napi::Number::New(env, static_cast<double>(n));
}

// packetRecv(fd) -> { data, pktType, ifindex } | undefined when nothing is queued.
static Napi::Value PacketRecv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, &fd)) return env.Undefined();
  static thread_local unsigned char buf[kMaxFrame];
  sockaddr_ll sll{};
  socklen_t sll_len = sizeof(sll);
  ssize_t n;
  do {
    n = recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&sll), &sll_len);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return env.Undefined();
    return ThrowErrno(env, errno, "recvfrom");
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", Napi::Buffer<unsigned char>::Copy(env, buf, static_cast<size_t>(n)));
  out.Set("pktType", Napi::Number::New(env, sll.sll_pkttype));
  out.Set("ifindex", Napi::Number::New(env, sll.sll_ifindex));
  return out;
}

void InitPacketSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("packetOpen", Napi::Function::New(env, PacketOpen, "packetOpen"));
  exports.Set("packetSend", Napi::Function::New(env, PacketSend, "packetSend"));
  exports.Set("packetRecv", Napi::Function::New(env, PacketRecv, "packetRecv"));
}

}  // namespace portside
