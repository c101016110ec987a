// Typed face of the native addon (native/src): raw AF_PACKET and ICMPv6 sockets polled
// on the Node loop, TCP sockets with RFC 2385 MD5 keys handed to `node:net` by fd, and
// glibc malloc's trim settings.
// Frames are parsed and built in TypeScript (speaker/l2); C only does what Node cannot.
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';

export const nativeAddonPath = fileURLToPath(new URL('./build/Release/portside_native.node', import.meta.url));

export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
/** sll_pkttype of a frame this host sent itself (AF_PACKET sees those too). */
export const PACKET_OUTGOING = 4;
export const ICMPV6_NEIGHBOR_SOLICITATION = 135;

interface RawPacket {
  data: Buffer;
  pktType: number;
  ifindex: number;
}

interface RawIcmp6Message {
  data: Buffer;
  source: string;
  destination: string;
  hopLimit: number;
  ifindex: number;
}

interface NativePoller {
  start(events: number): void;
  stop(): void;
  close(): void;
  ref(): void;
  unref(): void;
}

interface NativeBinding {
  Poller: {
    new (fd: number, callback: (status: number, events: number) => void): NativePoller;
    READABLE: number;
    WRITABLE: number;
  };
  close(fd: number): void;
  packetOpen(ifindex: number, etherType: number): number;
  packetSend(fd: number, frame: Uint8Array): number;
  packetRecvBatch(fd: number, max: number): { data: Buffer; meta: Int32Array } | undefined;
  icmp6Open(ifindex: number, passTypes: number[]): number;
  icmp6Membership(fd: number, ifindex: number, group: string, join: boolean): boolean;
  icmp6Send(fd: number, destination: string, ifindex: number, source: string | null, message: Uint8Array): number;
  icmp6Recv(fd: number): RawIcmp6Message | undefined;
  tcpSocket(family: 4 | 6): number;
  tcpSetMd5Key(fd: number, address: string, key: Uint8Array, prefixLength: number): void;
  tcpSetHops(fd: number, ttl: number, minimum: boolean): void;
  tcpBind(fd: number, address: string, port: number, reuseAddress: boolean): void;
  tcpListen(fd: number, backlog: number): void;
  tcpConnect(fd: number, address: string, port: number): boolean;
  tcpConnectResult(fd: number): void;
  mallocTrimThreshold(bytes: number): boolean;
  mallocTrim(): boolean;
}

let binding: NativeBinding | undefined;

/** Loads the addon on first use, so pure code may import this module without it. */
function native(): NativeBinding {
  if (binding) return binding;
  try {
    binding = createRequire(import.meta.url)(nativeAddonPath) as NativeBinding;
  } catch (err) {
    throw new Error(
      `portside native addon is not built (${nativeAddonPath}): run native/build.sh (make deps runs it)`,
      { cause: err },
    );
  }
  return binding;
}

/** True when the addon is built and loads in this Node. */
export function isNativeAvailable(): boolean {
  try {
    native();
    return true;
  } catch {
    return false;
  }
}

/**
 * Work per poll wake-up before yielding to the loop (level-triggered polling resumes on the
 * next turn): at most this many messages, and no new batch once this long was spent, so a
 * flood on one socket never holds back timers (heartbeats, liveness deadlines) or other fds.
 */
const MAX_RECEIVES_PER_WAKE = 64;
const MAX_MS_PER_WAKE = 4;
/** drain(): a socket's whole queue (a default receive buffer holds a few hundred small frames), within a bound for floods. */
const DRAIN_MAX_MESSAGES = 4096;
const DRAIN_MAX_MS = 50;

type ErrorHandler = (err: Error) => void;

function rethrow(err: Error): void {
  throw err;
}

/** Drains a non-blocking fd each time it polls readable, a bounded amount per wake-up. */
class ReadableFd<T> {
  readonly fd: number;
  #poller: NativePoller | undefined;
  /** Up to `max` queued messages (at least one), or undefined when none is queued. */
  readonly #receive: (fd: number, max: number) => readonly T[] | undefined;
  readonly #onMessage: (message: T) => void;
  readonly #onError: ErrorHandler;

  constructor(fd: number, receive: (fd: number, max: number) => readonly T[] | undefined, onMessage: (m: T) => void, onError: ErrorHandler) {
    this.fd = fd;
    this.#receive = receive;
    this.#onMessage = onMessage;
    this.#onError = onError;
    const { Poller } = native();
    this.#poller = new Poller(fd, (status) => this.#onReadable(status));
    this.#poller.start(Poller.READABLE);
  }

  get closed(): boolean {
    return this.#poller === undefined;
  }

  #onReadable(status: number): void {
    if (status < 0) {
      this.#onError(new Error(`poll failed on fd ${this.fd}: libuv status ${status}`));
      return;
    }
    this.#read(MAX_RECEIVES_PER_WAKE, MAX_MS_PER_WAKE);
  }

  #read(max: number, maxMs: number): void {
    const started = performance.now();
    let left = max;
    while (left > 0 && this.#poller && performance.now() - started < maxMs) {
      let batch: readonly T[] | undefined;
      try {
        batch = this.#receive(this.fd, left);
      } catch (err) {
        this.#onError(err as Error);
        return;
      }
      if (batch === undefined) return;
      left -= batch.length;
      for (const message of batch) if (this.#poller) this.#onMessage(message);
    }
  }

  /**
   * Handles everything queued now (up to DRAIN_MAX_MESSAGES / DRAIN_MAX_MS), not a wake-up's share: the
   * caller is about to change what they mean, and a stall of ours may have queued far more
   * than one wake-up reads (a taken IP: requests its last owner answered must not be answered
   * again by us).
   */
  drain(): void {
    if (this.#poller) this.#read(DRAIN_MAX_MESSAGES, DRAIN_MAX_MS);
  }

  ref(): void {
    this.#poller?.ref();
  }

  unref(): void {
    this.#poller?.unref();
  }

  close(): void {
    if (!this.#poller) return;
    // Stop polling before closing: libuv must drop the fd from epoll first.
    this.#poller.close();
    this.#poller = undefined;
    native().close(this.fd);
  }
}

export interface ReceivedFrame {
  /** The whole Ethernet frame, from the destination MAC on. */
  data: Buffer;
  /** sll_pkttype: 0 host, 1 broadcast, 2 multicast, 3 other host (PACKET_OUTGOING never arrives here). */
  pktType: number;
  ifindex: number;
}

export interface PacketSocketOptions {
  ifindex: number;
  /** EtherType to receive; default ETH_P_ARP. */
  etherType?: number;
  onFrame: (frame: ReceivedFrame) => void;
  /** Receive errors (e.g. ENETDOWN); default: throw, which ends as uncaughtException. */
  onError?: ErrorHandler;
}

/** An AF_PACKET raw socket bound to one interface and EtherType. */
export interface PacketSocket {
  readonly fd: number;
  readonly closed: boolean;
  /** Sends one Ethernet frame (from the destination MAC on); throws Node-style errors. */
  send(frame: Uint8Array): void;
  /** Handles the frames queued now, before the caller changes what they mean (all of them, up to 4,096 or 50 ms). */
  drain(): void;
  close(): void;
  ref(): void;
  unref(): void;
}

/** A batch from packetRecvBatch as frames: views into its one buffer. */
function framesOf(batch: { data: Buffer; meta: Int32Array } | undefined): RawPacket[] | undefined {
  if (!batch) return undefined;
  const { data, meta } = batch;
  const frames: RawPacket[] = [];
  for (let i = 0, at = 0; i + 2 < meta.length; i += 3) {
    const length = meta[i] ?? 0;
    frames.push({ data: data.subarray(at, at + length), pktType: meta[i + 1] ?? 0, ifindex: meta[i + 2] ?? 0 });
    at += length;
  }
  return frames;
}

export function openPacketSocket(options: PacketSocketOptions): PacketSocket {
  const b = native();
  const fd = b.packetOpen(options.ifindex, options.etherType ?? ETH_P_ARP);
  const onFrame = options.onFrame;
  const reader = new ReadableFd<RawPacket>(
    fd,
    (f, max) => framesOf(b.packetRecvBatch(f, max)),
    (frame) => {
      if (frame.pktType !== PACKET_OUTGOING) onFrame(frame);
    },
    options.onError ?? rethrow,
  );
  return {
    fd,
    get closed() {
      return reader.closed;
    },
    send(frame) {
      if (reader.closed) throw new Error('packet socket is closed');
      b.packetSend(fd, frame);
    },
    drain: () => reader.drain(),
    close: () => reader.close(),
    ref: () => reader.ref(),
    unref: () => reader.unref(),
  };
}

export interface ReceivedIcmp6 {
  /** The ICMPv6 message, from the type byte on. */
  data: Buffer;
  source: string;
  /** Destination address of the packet (IPV6_PKTINFO). */
  destination: string;
  /** IPv6 hop limit as received; -1 if the kernel did not say. NDP demands 255. */
  hopLimit: number;
  ifindex: number;
}

export interface Icmp6SocketOptions {
  ifindex: number;
  /** ICMPv6 types the kernel lets through (ICMP6_FILTER); default [135] (Neighbor Solicitation). */
  icmpTypes?: number[];
  onMessage: (message: ReceivedIcmp6) => void;
  onError?: ErrorHandler;
}

export interface Icmp6SendOptions {
  /** Unicast address or a multicast group such as ff02::1. */
  destination: string;
  /** Source address; the kernel picks one when omitted. Need not be on the interface. */
  source?: string;
  /** ICMPv6 message from the type byte on; the kernel fills in the checksum. */
  message: Uint8Array;
}

/** A raw ICMPv6 socket bound to one interface, hop limit 255 for unicast and multicast. */
export interface Icmp6Socket {
  readonly fd: number;
  readonly closed: boolean;
  send(options: Icmp6SendOptions): void;
  /** Joins a multicast group on the socket's interface; false if already a member. */
  joinGroup(group: string): boolean;
  /** Leaves a multicast group; false if not a member. */
  leaveGroup(group: string): boolean;
  /** Handles the messages queued now, before the caller changes what they mean (all of them, up to 4,096 or 50 ms). */
  drain(): void;
  close(): void;
  ref(): void;
  unref(): void;
}

export function openIcmp6Socket(options: Icmp6SocketOptions): Icmp6Socket {
  const b = native();
  const { ifindex } = options;
  const fd = b.icmp6Open(ifindex, options.icmpTypes ?? [ICMPV6_NEIGHBOR_SOLICITATION]);
  const reader = new ReadableFd<RawIcmp6Message>(
    fd,
    (f) => {
      const message = b.icmp6Recv(f);
      return message && [message];
    },
    options.onMessage,
    options.onError ?? rethrow,
  );
  const open = () => {
    if (reader.closed) throw new Error('ICMPv6 socket is closed');
  };
  return {
    fd,
    get closed() {
      return reader.closed;
    },
    send({ destination, source, message }) {
      open();
      b.icmp6Send(fd, destination, ifindex, source ?? null, message);
    },
    joinGroup(group) {
      open();
      return b.icmp6Membership(fd, ifindex, group, true);
    },
    leaveGroup(group) {
      open();
      return b.icmp6Membership(fd, ifindex, group, false);
    },
    drain: () => reader.drain(),
    close: () => reader.close(),
    ref: () => reader.ref(),
    unref: () => reader.unref(),
  };
}

/** A TCP-MD5 key (RFC 2385): UTF-8 string or raw bytes, at most 80 bytes. */
export type Md5Key = string | Uint8Array;

function keyBytes(key: Md5Key): Uint8Array {
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

function familyOf(address: string): 4 | 6 {
  const family = isIP(address);
  if (family === 0) throw new TypeError(`not an IP address: ${address}`);
  return family as 4 | 6;
}

/**
 * Adds or replaces the MD5 key for a peer on a TCP socket (listening or not yet
 * connected). With prefixLength the key covers the whole peer range (TCP_MD5SIG_EXT).
 */
export function setMd5Key(fd: number, peer: string, key: Md5Key, prefixLength?: number): void {
  const bytes = keyBytes(key);
  if (bytes.length === 0) throw new TypeError('an MD5 key must not be empty (use removeMd5Key)');
  native().tcpSetMd5Key(fd, peer, bytes, prefixLength ?? -1);
}

/** Removes a peer's MD5 key; removing an absent key is not an error. */
export function removeMd5Key(fd: number, peer: string, prefixLength?: number): void {
  native().tcpSetMd5Key(fd, peer, new Uint8Array(0), prefixLength ?? -1);
}

export interface Md5Peer {
  /** Peer address, or the network of a range when prefixLength is set. */
  address: string;
  prefixLength?: number;
  key: Md5Key;
}

export interface Md5ListenOptions {
  /** Local address to listen on ('::' listens on IPv4 too). */
  host: string;
  port: number;
  peers: Md5Peer[];
  backlog?: number;
  /** Outgoing TTL / hop limit of accepted connections (e.g. 255 for GTSM). */
  ttl?: number;
  /** Drop incoming segments with a lower TTL (GTSM, RFC 5082). */
  minTtl?: number;
}

/**
 * Makes a listening TCP socket with MD5 keys already set and returns its fd, for
 * `net.createServer(...).listen({ fd })`. Accepted sockets inherit the keys; add
 * more later with setMd5Key(fd, ...). The caller owns the fd (closing the server closes it).
 */
export function md5Listen(options: Md5ListenOptions): number {
  const b = native();
  const fd = b.tcpSocket(familyOf(options.host));
  try {
    for (const peer of options.peers) setMd5Key(fd, peer.address, peer.key, peer.prefixLength);
    if (options.ttl !== undefined) b.tcpSetHops(fd, options.ttl, false);
    if (options.minTtl !== undefined) b.tcpSetHops(fd, options.minTtl, true);
    b.tcpBind(fd, options.host, options.port, true);
    b.tcpListen(fd, options.backlog ?? 511);
  } catch (err) {
    b.close(fd);
    throw err;
  }
  return fd;
}

export interface TcpConnectOptions {
  peer: string;
  port: number;
  /** Sign every segment with this RFC 2385 key; unset: a plain connection. */
  key?: Md5Key;
  /** Local address (and port) to connect from. */
  source?: string;
  sourcePort?: number;
  ttl?: number;
  minTtl?: number;
  /** Give up (ETIMEDOUT) after this long; default: the kernel's SYN retries (~2 min). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Md5ConnectOptions extends TcpConnectOptions {
  key: Md5Key;
}

function connectTimeout(ms: number): Error {
  return Object.assign(new Error(`connect ETIMEDOUT: no connection within ${ms} ms`), {
    code: 'ETIMEDOUT',
    syscall: 'connect',
  });
}

/**
 * Connects a TCP socket that signs every segment with the key, and resolves with the
 * connected fd for `new net.Socket({ fd })`. A peer with another key (or none) never
 * answers, so this times out rather than being refused. On failure the fd is closed.
 */
export function md5Connect(options: Md5ConnectOptions): Promise<number> {
  return tcpConnect(options);
}

/**
 * Connects a TCP socket with the options node:net cannot set before the SYN (an MD5 key, the
 * outgoing TTL for eBGP multihop, GTSM's minimum TTL), and resolves with the connected fd.
 */
export function tcpConnect(options: TcpConnectOptions): Promise<number> {
  let b: NativeBinding;
  let fd: number;
  try {
    b = native();
    fd = b.tcpSocket(familyOf(options.peer));
  } catch (err) {
    return Promise.reject(err);
  }
  let connected: boolean;
  try {
    if (options.key !== undefined) setMd5Key(fd, options.peer, options.key);
    if (options.ttl !== undefined) b.tcpSetHops(fd, options.ttl, false);
    if (options.minTtl !== undefined) b.tcpSetHops(fd, options.minTtl, true);
    if (options.source !== undefined || options.sourcePort !== undefined) {
      const any = familyOf(options.peer) === 6 ? '::' : '0.0.0.0';
      b.tcpBind(fd, options.source ?? any, options.sourcePort ?? 0, false);
    }
    options.signal?.throwIfAborted();
    connected = b.tcpConnect(fd, options.peer, options.port);
  } catch (err) {
    b.close(fd);
    return Promise.reject(err);
  }
  if (connected) return Promise.resolve(fd);

  return new Promise<number>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const { Poller } = b;
    // Node cannot be told an fd is mid-connect, so wait for writability here.
    const poller = new Poller(fd, (status) => {
      if (status < 0) {
        fail(new Error(`poll failed while connecting fd ${fd}: libuv status ${status}`));
        return;
      }
      try {
        b.tcpConnectResult(fd);
      } catch (err) {
        fail(err as Error);
        return;
      }
      finish();
      resolve(fd);
    });
    const finish = () => {
      poller.close();
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: Error) => {
      finish();
      b.close(fd);
      reject(err);
    };
    const onAbort = () => fail(options.signal?.reason as Error);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs !== undefined) {
      const ms = options.timeoutMs;
      timer = setTimeout(() => fail(connectTimeout(ms)), ms);
    }
    poller.start(Poller.WRITABLE);
  });
}

/**
 * glibc's M_TRIM_THRESHOLD (mallopt): an arena's free top beyond `bytes` goes back to the
 * kernel when memory is freed. Setting it turns off glibc's dynamic thresholds (after a large
 * block is freed they grow to twice its size, and the threads' arenas then keep what they
 * freed). False where the C library is not glibc.
 */
export function mallocTrimThreshold(bytes: number): boolean {
  return native().mallocTrimThreshold(bytes);
}

/** malloc_trim(0): free pages inside every glibc arena go back to the kernel; true if any did. */
export function mallocTrim(): boolean {
  return native().mallocTrim();
}
