// UDP transport for single-hop BFD (RFC 5881): one listening socket per address family on
// port 3784, one sending socket per session bound to its local address and a fixed source
// port in 49152–65535, TTL / hop limit 255.
//
// Limitation: node:dgram cannot read the TTL of a received datagram (that needs
// IP_RECVTTL / IPV6_RECVHOPLIMIT and recvmsg ancillary data), so the RFC 5881 §5 check
// "received TTL must be 255" is not enforced on receive. The FSM already takes a `ttl`
// with each packet and drops low ones; TODO(bfd): read it through the native addon
// (native/) and pass it in, which closes the GTSM gap.
import { createSocket, type RemoteInfo, type Socket, type SocketType } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Family } from '../../lib/ip/index.ts';
import { SINGLE_HOP_TTL } from './profile.ts';

export const BFD_CONTROL_PORT = 3784;
export const SOURCE_PORT_MIN = 49152;
export const SOURCE_PORT_MAX = 65535;

export const familyOf = (address: string): Family => (isIPv6(address) ? 6 : 4);
const socketType = (family: Family): SocketType => (family === 6 ? 'udp6' : 'udp4');

export interface ReceivedDatagram {
  data: Buffer;
  from: string;
  fromPort: number;
  /** Undefined: node:dgram cannot tell (see the note at the top). */
  ttl?: number;
}

function bind(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

/** The shared receive socket of one family (0.0.0.0:3784 or [::]:3784, IPv6-only). */
export class BfdListener {
  readonly family: Family;
  readonly #socket: Socket;
  #port = 0;

  private constructor(family: Family, socket: Socket) {
    this.family = family;
    this.#socket = socket;
  }

  static async open(
    family: Family,
    port: number,
    onDatagram: (d: ReceivedDatagram) => void,
    onError: (err: Error) => void,
  ): Promise<BfdListener> {
    const socket = createSocket({ type: socketType(family), ipv6Only: family === 6 });
    await bind(socket, port, family === 6 ? '::' : '0.0.0.0');
    const listener = new BfdListener(family, socket);
    listener.#port = socket.address().port;
    socket.on('message', (data: Buffer, rinfo: RemoteInfo) => onDatagram({ data, from: rinfo.address, fromPort: rinfo.port }));
    socket.on('error', onError);
    return listener;
  }

  get port(): number {
    return this.#port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}

/** A session's send socket: same local address and source port for its whole life (RFC 5881 §4). */
export class BfdSender {
  readonly local: string;
  readonly sourcePort: number;
  readonly #socket: Socket;
  #closed = false;
  readonly #inflight = new Set<Promise<void>>();

  private constructor(local: string, sourcePort: number, socket: Socket) {
    this.local = local;
    this.sourcePort = sourcePort;
    this.#socket = socket;
  }

  /** Binds `local` to a random free port in 49152–65535 and sets TTL 255 (IP_TTL / IPV6_UNICAST_HOPS). */
  static async open(local: string, onError: (err: Error) => void, random: () => number = Math.random): Promise<BfdSender> {
    const span = SOURCE_PORT_MAX - SOURCE_PORT_MIN + 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < 32; attempt++) {
      const port = SOURCE_PORT_MIN + Math.floor(random() * span);
      const socket = createSocket({ type: socketType(familyOf(local)), ipv6Only: familyOf(local) === 6 });
      try {
        await bind(socket, port, local);
      } catch (err) {
        socket.close();
        lastError = err;
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw new Error(`BFD: cannot bind a send socket to ${local}`, { cause: err });
      }
      socket.setTTL(SINGLE_HOP_TTL);
      socket.on('error', onError);
      socket.on('message', () => {}); // nothing is sent to a source port; ignore strays
      return new BfdSender(local, port, socket);
    }
    throw new Error(`BFD: no free source port in ${SOURCE_PORT_MIN}–${SOURCE_PORT_MAX} on ${local}`, { cause: lastError });
  }

  /** Fire and forget: a lost control packet is what BFD is built to tolerate. */
  send(data: Uint8Array, peer: string, port: number, onError: (err: Error) => void): void {
    if (this.#closed) return;
    const sent = new Promise<void>((resolve) => {
      this.#socket.send(data, port, peer, (err) => {
        if (err) onError(err);
        resolve();
      });
    });
    this.#inflight.add(sent);
    void sent.then(() => this.#inflight.delete(sent));
  }

  /** Closes once queued packets are out (a last AdminDown must not be cancelled). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#inflight);
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}
