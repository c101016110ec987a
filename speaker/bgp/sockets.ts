// Outgoing TCP for BGP sessions: plain `net` sockets, or TCP-MD5 (RFC 2385) sockets made by
// the native addon and handed to Node by fd. Each attempt reports how it ended, so the peer
// manager can log *why* a session never comes up (refused, no reply, unreachable).
import { EventEmitter } from 'node:events';
import { connect as netConnect, Socket } from 'node:net';
import { tcpConnect } from '../../native/index.ts';
import type { BgpSocket } from './connection.ts';
import type { ConnectOptions, SocketFactory } from './session.ts';

export type ConnectOutcome = 'refused' | 'noReply' | 'unreachable' | 'error';

export interface ConnectFailure {
  outcome: ConnectOutcome;
  /** errno code when the kernel gave one (ECONNREFUSED, EHOSTUNREACH, …). */
  code?: string;
  message: string;
  elapsedMs: number;
}

export interface SocketFactoryOptions {
  /** TCP-MD5 key; a peer with another key (or none) never answers. */
  password?: string;
  onConnected?: () => void;
  onFailure?: (failure: ConnectFailure) => void;
}

function classify(err: NodeJS.ErrnoException): ConnectOutcome {
  if (err.code === 'ECONNREFUSED') return 'refused';
  if (err.code === 'ETIMEDOUT') return 'noReply';
  if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' || err.code === 'EADDRNOTAVAIL') return 'unreachable';
  return 'error';
}

/**
 * A BgpSocket that is "connecting" until the real socket exists: lets an asynchronous
 * tcpConnect (or a plain connect) sit behind the session's synchronous SocketFactory.
 */
class AttemptSocket extends EventEmitter {
  private inner: Socket | undefined;
  private done = false; // connected, failed or abandoned: report once
  private readonly started = Date.now();
  private readonly abort = new AbortController();
  private readonly opts: SocketFactoryOptions;

  constructor(opts: SocketFactoryOptions) {
    super();
    this.opts = opts;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get localAddress(): string | undefined {
    return this.inner?.localAddress;
  }

  get remoteAddress(): string | undefined {
    return this.inner?.remoteAddress;
  }

  /** The connected socket: from now on its events are ours. */
  attach(inner: Socket, alreadyConnected: boolean): void {
    if (this.abort.signal.aborted) {
      inner.destroy();
      return;
    }
    this.inner = inner;
    inner.setNoDelay(true);
    inner.on('data', (chunk: Buffer) => this.emit('data', chunk));
    inner.on('error', (err: NodeJS.ErrnoException) => {
      if (this.done) this.emit('error', err);
      else this.fail(err);
    });
    inner.on('close', () => this.emit('close'));
    const connected = () => {
      this.done = true;
      this.opts.onConnected?.();
      this.emit('connect');
    };
    if (alreadyConnected) queueMicrotask(connected);
    else inner.once('connect', connected);
  }

  fail(err: NodeJS.ErrnoException): void {
    if (this.done) return;
    this.done = true;
    this.opts.onFailure?.({ outcome: classify(err), ...(err.code ? { code: err.code } : {}), message: err.message, elapsedMs: Date.now() - this.started });
    this.emit('error', err);
  }

  write(data: Buffer): boolean {
    return this.inner?.write(data) ?? false;
  }

  end(): void {
    this.giveUp();
    this.inner?.end();
  }

  destroy(): void {
    this.giveUp();
    this.inner?.destroy();
  }

  /** The session gave up while we were still connecting: the peer never answered in time. */
  private giveUp(): void {
    if (!this.done) {
      this.done = true;
      const elapsedMs = Date.now() - this.started;
      this.opts.onFailure?.({ outcome: 'noReply', message: `no TCP answer within ${elapsedMs} ms`, elapsedMs });
    }
    this.abort.abort(new Error('connect abandoned'));
  }
}

/** A SocketFactory for one peer: MD5 through the native addon when a password is set. */
export function createSocketFactory(opts: SocketFactoryOptions = {}): SocketFactory {
  return (c: ConnectOptions): BgpSocket => {
    const attempt = new AttemptSocket(opts);
    // The native connect sets what node:net cannot before the SYN: the MD5 key, the multihop TTL.
    if (opts.password || c.ttl) {
      tcpConnect({
        peer: c.host,
        port: c.port,
        ...(opts.password ? { key: opts.password } : {}),
        ...(c.localAddress ? { source: c.localAddress } : {}),
        ...(c.ttl ? { ttl: c.ttl } : {}),
        signal: attempt.signal,
      }).then(
        (fd) => attempt.attach(new Socket({ fd, readable: true, writable: true }), true),
        (err: NodeJS.ErrnoException) => {
          if (!attempt.signal.aborted) attempt.fail(err);
        },
      );
    } else {
      attempt.attach(netConnect({ host: c.host, port: c.port, ...(c.localAddress ? { localAddress: c.localAddress } : {}) }), false);
    }
    return attempt;
  };
}
