import { EventEmitter } from 'node:events';
import { connect as netConnect } from 'node:net';
import { AdjRibOut } from './adj-rib-out.ts';
import { buildUpdates, buildWithdrawals } from './build-updates.ts';
import { connectionToClose, inCollisionWindow } from './collision.ts';
import { type Cidr, type Family, type IpAddress, formatIp, parseSocketAddress } from '../../lib/ip/index.ts';
import { type Clock, systemClock } from '../../lib/time/index.ts';
import { BgpConnection } from './connection.ts';
import type { BgpSocket } from './connection.ts';
import { notificationName } from './errors.ts';
import { exportAttributes, gracefulShutdownRoute } from './export-policy.ts';
import type { ExportContext } from './export-policy.ts';
import { initialState } from './fsm.ts';
import type { FsmAction, FsmStateName, NegotiatedSession, SessionConfig } from './fsm-types.ts';
import { MessageType } from './header.ts';
import { encodeMessage } from './message.ts';
import type { BgpMessage } from './message.ts';
import { parseShutdownCommunication } from './notification.ts';
import type { AnnouncedRoute } from './route.ts';
import { endOfRib } from './update.ts';
import type { UpdateMessage } from './update.ts';

const MESSAGE_TYPES: Partial<Record<number, BgpMessage['type']>> = {
  [MessageType.Open]: 'open', [MessageType.Update]: 'update', [MessageType.Notification]: 'notification',
  [MessageType.Keepalive]: 'keepalive', [MessageType.RouteRefresh]: 'routeRefresh',
};

export interface ConnectOptions {
  host: string;
  port: number;
  localAddress?: string;
  /** IP TTL for eBGP multihop. net.Socket cannot set it: a factory must use the native addon (IP_TTL / IPV6_UNICAST_HOPS before connect). */
  ttl?: number;
}

export type SocketFactory = (opts: ConnectOptions) => BgpSocket;

export const tcpSocketFactory: SocketFactory = ({ host, port, localAddress }) =>
  netConnect({ host, port, ...(localAddress ? { localAddress } : {}), noDelay: true });

export interface BgpSessionOptions {
  config: SessionConfig;
  peerAddress: string;
  peerPort?: number; // default 179
  sourceAddress?: string;
  ebgpMultiHop?: boolean; // TTL 255 on the socket (needs a factory that can set it)
  nextHop4?: string; // override; default: the session's local IPv4 address
  nextHop6?: string; // override; default: the session's local IPv6 address
  linkLocal6?: string; // our link-local address on the session's interface, when known
  /** Next hops learned from the connected socket's local address (e.g. the interface's other family and link-local). */
  resolveNextHops?: (localAddress: string) => { nextHop4?: string; nextHop6?: string; linkLocal6?: string };
  localPref?: number; // iBGP default LOCAL_PREF
  connect?: SocketFactory;
  clock?: Clock;
  random?: () => number; // seeds timer jitter
  logger?: SessionLogger; // pino-compatible; every line carries a stable `event` key
  /** Graceful restart: once Established, send nothing (no table, no End-of-RIB) until releaseInitialTable(). */
  holdInitialTable?: boolean;
}

/** A next hop as its wire value; a zone (fe80::1%eth0) is dropped, the family must match. */
function nextHopValue(text: string, family: Family): bigint {
  const addr = parseSocketAddress(text);
  if (addr?.family !== family) throw new Error(`next hop ${JSON.stringify(text)} is not an IPv${family} address`);
  return addr.value;
}

export interface SessionLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface BgpSessionEvents {
  established: [session: NegotiatedSession];
  down: [info: { reason: string }];
  notificationSent: [info: { code: number; subcode: number; name: string }];
  notificationReceived: [info: { code: number; subcode: number; name: string; message?: string }];
  stateChange: [info: { from: FsmStateName; to: FsmStateName }];
  log: [info: { level: 'debug' | 'info' | 'warn'; event: string; message: string }];
  /** The initial table went out, then one End-of-RIB per family (RFC 4724 §2). */
  endOfRib: [info: { families: Family[]; announced: number }];
  /** One Adj-RIB-Out flush went on the wire: UPDATE messages and prefixes in them. */
  updatesSent: [info: { messages: number; announced: number; withdrawn: number }];
  /** Received UPDATEs are never installed; this is for tests and debugging. */
  updateReceived: [update: UpdateMessage];
  /** A socket reported an error; `current`: it was a connection's live socket, so the FSM acted on it. */
  socketError: [info: { code: string | undefined; message: string; current: boolean }];
  /** Every message sent or received on any of the session's connections (FRR's per-neighbor message counters). */
  message: [info: { direction: 'sent' | 'received'; type: BgpMessage['type'] }];
}

/** One BGP peering: the FSM over up to two connections (collision), plus an Adj-RIB-Out. */
export class BgpSession extends EventEmitter<BgpSessionEvents> {
  private readonly opts: BgpSessionOptions;
  private config: SessionConfig;
  private holdInitial: boolean;
  private readonly rib = new AdjRibOut();
  private readonly clock: Clock;
  private primary: BgpConnection;
  private pending: BgpConnection | undefined;
  private dumping: BgpConnection | undefined; // the collision loser, closing quietly
  private flushQueued = false;
  private gracefulShutdown = false;

  constructor(opts: BgpSessionOptions) {
    super();
    this.opts = opts;
    this.config = opts.config;
    this.holdInitial = opts.holdInitialTable ?? false;
    this.clock = opts.clock ?? systemClock;
    this.primary = this.newConnection(opts.config);
  }

  get state(): FsmStateName {
    return this.primary.state.name;
  }

  /** Prefixes the peer currently holds from us. */
  get announcedCount(): number {
    return this.rib.sentCount;
  }

  /** Prefixes we want the peer to hold but have not sent (session down, no next hop of the family). */
  get pendingCount(): number {
    return this.rib.size - this.rib.sentCount;
  }

  /** Our address on the current connection, once connected. */
  get localAddress(): string | undefined {
    const local = this.localIp;
    return local && formatIp(local);
  }

  /** IPv4 on a dual-stack socket reads ::ffff:a.b.c.d; this is the address itself. */
  private get localIp(): IpAddress | undefined {
    const text = this.primary.localAddress;
    return text === undefined ? undefined : parseSocketAddress(text);
  }

  get negotiated(): NegotiatedSession | undefined {
    return this.primary.state.name === 'Established' ? this.primary.state.session : undefined;
  }

  start(): void {
    this.primary.dispatch({ type: 'ManualStart' });
  }

  /**
   * Cease / Administrative Shutdown with an optional RFC 8203 message; `notify: false`
   * closes the TCP connection without a NOTIFICATION (RFC 4724: the peer keeps our routes);
   * `withdraw` first withdraws every route it announced.
   */
  stop(message?: string, { notify = true, withdraw = false }: { notify?: boolean; withdraw?: boolean } = {}): void {
    if (withdraw) {
      // Withdraw every route in UPDATEs ahead of the NOTIFICATION: the peer drops them whatever it
      // does with the Cease (a graceful-restart helper may keep a closed session's routes as stale).
      this.rib.replace([]);
      this.flush(false);
    }
    this.pending?.dispose();
    this.pending = undefined;
    this.primary.dispatch({ type: 'ManualStop', ...(message === undefined ? {} : { message }), ...(notify ? {} : { silent: true }) });
  }

  /** The peer is unreachable (BFD): drop the session now (Cease / Administrative Reset), reconnect after the backoff. */
  reset(reason: string): void {
    this.pending?.dispose();
    this.pending = undefined;
    this.primary.dispatch({ type: 'PeerUnreachable', reason });
  }

  /** Ends holdInitialTable: the routes are known, send the table and End-of-RIB. */
  releaseInitialTable(): void {
    if (!this.holdInitial) return;
    this.holdInitial = false;
    if (this.negotiated) this.flush(true);
  }

  announce(routes: readonly AnnouncedRoute[]): void {
    this.rib.announce(routes);
    this.queueFlush();
  }

  withdraw(prefixes: readonly Cidr[]): void {
    this.rib.withdraw(prefixes);
    this.queueFlush();
  }

  /** Makes the announced set exactly `routes`. */
  setRoutes(routes: readonly AnnouncedRoute[]): void {
    this.rib.replace(routes);
    this.queueFlush();
  }

  /** RFC 8326: re-announce everything with GRACEFUL_SHUTDOWN before withdrawing on SIGTERM. */
  setGracefulShutdown(on: boolean): void {
    this.gracefulShutdown = on;
    this.rib.invalidate();
    this.queueFlush();
  }

  /** Hands over a connection accepted by a listener for this peer. */
  acceptConnection(socket: BgpSocket): void {
    const p = this.primary.state;
    if (p.name === 'Idle' || this.pending) {
      socket.destroy();
      return;
    }
    if (p.name === 'Active') {
      this.primary.adopt(socket); // no attempt of our own in flight
      return;
    }
    // Our own connection exists or is in flight: run both until collision resolution (RFC 4271 §6.8).
    const config = { ...this.config, passive: true };
    this.pending = this.newConnection(config);
    this.pending.state = { ...this.pending.state, name: 'Active' }; // a one-shot passive FSM
    this.pending.adopt(socket);
  }

  private newConnection(config: SessionConfig): BgpConnection {
    const seed = Math.floor((this.opts.random ?? Math.random)() * 2 ** 32);
    return new BgpConnection(initialState(config, seed), this.clock, {
      openSocket: () => this.openSocket(),
      onSocketError: (_conn, error, current) => {
        const code = (error as NodeJS.ErrnoException).code;
        this.opts.logger?.debug({ event: 'bgpSocketError', peer: this.opts.peerAddress, code, current }, error.message);
        this.emit('socketError', { code, message: error.message, current });
      },
      onAction: (conn, action) => this.onAction(conn, action),
      onTransition: (conn, from, to) => this.onTransition(conn, from, to),
      onSent: (_conn, code) => {
        const type = MESSAGE_TYPES[code];
        if (type) this.emit('message', { direction: 'sent', type });
      },
      onMessage: (_conn, m) => {
        this.emit('message', { direction: 'received', type: m.type });
        if (m.type === 'update') this.emit('updateReceived', m);
        if (m.type !== 'notification') return;
        const message = parseShutdownCommunication(m);
        this.emit('notificationReceived', { code: m.code, subcode: m.subcode, name: notificationName(m.code, m.subcode), ...(message ? { message } : {}) });
      },
    });
  }

  private openSocket(): BgpSocket {
    const factory = this.opts.connect ?? tcpSocketFactory;
    return factory({
      host: this.opts.peerAddress,
      port: this.opts.peerPort ?? 179,
      ...(this.opts.sourceAddress ? { localAddress: this.opts.sourceAddress } : {}),
      ...(this.opts.ebgpMultiHop ? { ttl: 255 } : {}),
    });
  }

  private onAction(conn: BgpConnection, action: FsmAction): void {
    if (action.type === 'send' && action.message.type === 'notification') {
      const { code, subcode } = action.message;
      this.emit('notificationSent', { code, subcode, name: notificationName(code, subcode) });
    }
    if (conn !== this.primary) return;
    switch (action.type) {
      case 'established': {
        const gr = this.config.gracefulRestart;
        if (gr?.restarting) {
          // RFC 4724 §3: the R bit belongs to the first OPEN after the restart only.
          this.config = { ...this.config, gracefulRestart: { ...gr, restarting: false } };
          conn.state = { ...conn.state, config: this.config };
        }
        this.rib.reset();
        this.emit('established', action.session);
        if (!this.holdInitial) this.flush(true);
        break;
      }
      case 'down':
        this.emit('down', { reason: action.reason });
        break;
      case 'routeRefreshRequested': {
        const family = action.afi === 1 ? 4 : action.afi === 2 ? 6 : undefined;
        const s = this.primary.state.session;
        if (family && s) {
          for (const m of buildUpdates(this.rib.sentRoutes(family), { fourOctetAs: s.fourOctetAs })) conn.send(m);
        }
        break;
      }
      case 'log':
        this.opts.logger?.[action.level]({ event: action.event, peer: this.opts.peerAddress }, action.message);
        this.emit('log', { level: action.level, event: action.event, message: action.message });
        break;
      default:
        break;
    }
  }

  private onTransition(conn: BgpConnection, from: FsmStateName, to: FsmStateName): void {
    if (conn === this.pending && (to === 'Idle' || to === 'Active')) {
      this.pending.dispose();
      this.pending = undefined;
      return;
    }
    if (conn === this.primary && conn !== this.dumping) this.emit('stateChange', { from, to });
    if (to === 'OpenConfirm' && this.pending) this.resolveCollision(conn);
  }

  /** RFC 4271 §6.8, run when a connection has learned the peer's BGP identifier. */
  private resolveCollision(opened: BgpConnection): void {
    const pending = this.pending;
    if (!pending) return;
    const primary = this.primary;
    const remoteId = opened.state.session?.peerId ?? 0;
    if (!inCollisionWindow(primary.state.name)) {
      this.promote(pending);
      return;
    }
    if (!inCollisionWindow(pending.state.name)) return;
    const view = (c: BgpConnection) => ({ origin: c.origin, state: c.state.name });
    const loser = connectionToClose(this.config.routerId, remoteId, view(primary), view(pending)) === 'a' ? primary : pending;
    this.dumping = loser;
    loser.dispatch({ type: 'CollisionDump' });
    this.dumping = undefined;
    if (loser === primary) this.promote(pending);
  }

  private promote(pending: BgpConnection): void {
    const old = this.primary;
    this.primary = pending;
    this.pending = undefined;
    pending.state = { ...pending.state, config: this.config, autoRestart: old.state.autoRestart || old.state.name !== 'Idle' };
    old.dispose();
  }

  private exportContext(session: NegotiatedSession): ExportContext {
    const ctx: ExportContext = { localAs: this.config.localAs, ibgp: session.ibgp };
    if (this.opts.localPref !== undefined) ctx.localPref = this.opts.localPref;
    const local = this.localIp;
    const learned = local ? (this.opts.resolveNextHops?.(formatIp(local)) ?? {}) : {};
    const v4 = this.opts.nextHop4 ?? (local?.family === 4 ? formatIp(local) : learned.nextHop4);
    const v6 = this.opts.nextHop6 ?? (local?.family === 6 ? formatIp(local) : learned.nextHop6);
    const linkLocal = this.opts.linkLocal6 ?? learned.linkLocal6;
    if (v4) ctx.nextHop4 = nextHopValue(v4, 4);
    if (v6) {
      ctx.nextHop6 = { global: nextHopValue(v6, 6) };
      if (linkLocal) ctx.nextHop6.linkLocal = nextHopValue(linkLocal, 6);
    }
    return ctx;
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush(false);
    });
  }

  /** Sends the Adj-RIB-Out diff; after the initial table, one End-of-RIB per family. */
  private flush(initial: boolean): void {
    const session = this.negotiated;
    if (!session || this.holdInitial) return;
    const ctx = this.exportContext(session);
    const { announce, withdraw } = this.rib.takeChanges((route) => {
      if (!session.families.includes(route.prefix.family)) return undefined;
      return exportAttributes(this.gracefulShutdown ? gracefulShutdownRoute(route) : route, ctx);
    });
    const opts = { fourOctetAs: session.fourOctetAs };
    let messages = 0;
    for (const m of [...buildWithdrawals(withdraw, opts), ...buildUpdates(announce, opts)]) {
      this.primary.send(m);
      messages++;
    }
    if (messages > 0) this.emit('updatesSent', { messages, announced: announce.length, withdrawn: withdraw.length });
    if (!initial) return;
    for (const f of session.families) this.primary.send(encodeMessage(endOfRib(f), opts));
    this.emit('endOfRib', { families: [...session.families], announced: this.rib.sentCount });
  }
}
