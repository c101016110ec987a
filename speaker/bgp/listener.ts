// The passive side of every BGP session on a node: one TCP listener (port 179) that hands
// each accepted connection to the session configured for the remote address, and refuses
// the rest. MD5 keys live on the listening socket, so a signed SYN is answered at all.
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { isNativeAvailable, md5Listen, removeMd5Key, setMd5Key } from '../../native/index.ts';
import { formatIp, parseSocketAddress } from '../../lib/ip/index.ts';
import type { Logger } from '../../lib/log/index.ts';

export interface BgpListenerOptions {
  /** Default '::' (IPv4 peers arrive as ::ffff:a.b.c.d). */
  host?: string;
  /** Default 179; 0 picks a free port (tests). */
  port?: number;
  logger?: Logger;
  /** Use the native addon for a listener that can carry MD5 keys; default: when it is built. */
  md5?: boolean;
}

export type AcceptHandler = (socket: Socket) => void;

/** One canonical text per address: '::ffff:198.51.100.1' and '198.51.100.1' are the same peer. */
export function canonicalAddress(address: string): string {
  const addr = parseSocketAddress(address);
  if (!addr) throw new Error(`not an IP address: ${address}`);
  return formatIp(addr);
}

export class BgpListener {
  private readonly opts: BgpListenerOptions;
  private readonly handlers = new Map<string, AcceptHandler>();
  private readonly keys = new Map<string, string>();
  private server: Server | undefined;
  private fd: number | undefined;

  constructor(opts: BgpListenerOptions = {}) {
    this.opts = opts;
  }

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async start(): Promise<void> {
    const host = this.opts.host ?? '::';
    const port = this.opts.port ?? 179;
    const server = createServer((socket) => this.accept(socket));
    server.on('error', (err) => this.opts.logger?.error('bgp_listener_error', { err }));
    if (this.opts.md5 ?? isNativeAvailable()) {
      this.fd = md5Listen({ host, port, peers: [...this.keys].map(([address, key]) => ({ address, key })) });
      await new Promise<void>((resolve) => server.listen({ fd: this.fd }, resolve));
    } else {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
    this.server = server;
    this.opts.logger?.info('bgp_listening', { host, port: this.port, md5: this.fd !== undefined });
  }

  /** Routes connections from `peerAddress` to `handler` (replacing any earlier one). */
  register(peerAddress: string, handler: AcceptHandler): void {
    this.handlers.set(canonicalAddress(peerAddress), handler);
  }

  unregister(peerAddress: string, handler?: AcceptHandler): void {
    const key = canonicalAddress(peerAddress);
    if (!handler || this.handlers.get(key) === handler) this.handlers.delete(key);
  }

  /** Sets (or with undefined, removes) the MD5 key the listener expects from `peerAddress`. */
  setPassword(peerAddress: string, password: string | undefined): void {
    const address = canonicalAddress(peerAddress);
    if (this.keys.get(address) === password) return;
    if (password) this.keys.set(address, password);
    else this.keys.delete(address);
    if (this.fd !== undefined) {
      if (password) setMd5Key(this.fd, address, password);
      else removeMd5Key(this.fd, address);
    } else if (password && this.server) {
      this.opts.logger?.warn('bgp_listener_no_md5', { peer: address, msg: 'listener cannot hold MD5 keys (native addon not built): only our own connections to this peer will work' });
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.fd = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const remote = socket.remoteAddress ? canonicalAddress(socket.remoteAddress) : undefined;
    const handler = remote === undefined ? undefined : this.handlers.get(remote);
    if (!handler) {
      this.opts.logger?.warn('bgp_connection_rejected', { peer: remote, msg: 'incoming BGP connection from an address that is not a configured peer' });
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    handler(socket);
  }
}
