// AF_PACKET raw sockets bound to one interface and one EtherType (ARP).
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

namespace portside {

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

// Frames per packetRecvBatch call, and room for each (jumbo frames fit; longer ones are cut).
static constexpr unsigned kBatch = 64;
static constexpr size_t kSlot = 9216;

// packetRecvBatch(fd, max) -> { data, meta } | undefined when nothing is queued: up to max
// frames in one recvmmsg, their bytes back to back in `data` and, per frame, [length,
// pktType, ifindex] in the Int32Array `meta`. One call and two objects per batch instead of
// three per frame: the reader's cost under a flood.
static Napi::Value PacketRecvBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, max;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 1, "max", &max)) return env.Undefined();
  if (max <= 0) return ThrowType(env, "max must be > 0");
  unsigned want = static_cast<unsigned>(max) < kBatch ? static_cast<unsigned>(max) : kBatch;
  static thread_local unsigned char bufs[kBatch][kSlot];
  static thread_local sockaddr_ll addrs[kBatch];
  iovec iov[kBatch];
  mmsghdr msgs[kBatch];
  for (unsigned i = 0; i < want; i++) {
    iov[i] = {bufs[i], kSlot};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &addrs[i];
    msgs[i].msg_hdr.msg_namelen = sizeof(addrs[i]);
  }
  int n;
  do {
    n = recvmmsg(fd, msgs, want, MSG_DONTWAIT, nullptr);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return env.Undefined();
    return ThrowErrno(env, errno, "recvmmsg");
  }
  if (n == 0) return env.Undefined();
  size_t total = 0;
  for (int i = 0; i < n; i++) total += msgs[i].msg_len < kSlot ? msgs[i].msg_len : kSlot;
  Napi::Buffer<unsigned char> data = Napi::Buffer<unsigned char>::New(env, total);
  Napi::Int32Array meta = Napi::Int32Array::New(env, static_cast<size_t>(n) * 3);
  size_t at = 0;
  for (int i = 0; i < n; i++) {
    size_t len = msgs[i].msg_len < kSlot ? msgs[i].msg_len : kSlot;
    memcpy(data.Data() + at, bufs[i], len);
    at += len;
    meta[i * 3] = static_cast<int32_t>(len);
    meta[i * 3 + 1] = addrs[i].sll_pkttype;
    meta[i * 3 + 2] = addrs[i].sll_ifindex;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", data);
  out.Set("meta", meta);
  return out;
}

void InitPacketSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("packetOpen", Napi::Function::New(env, PacketOpen, "packetOpen"));
  exports.Set("packetSend", Napi::Function::New(env, PacketSend, "packetSend"));
  exports.Set("packetRecvBatch", Napi::Function::New(env, PacketRecvBatch, "packetRecvBatch"));
}

}  // namespace portside
