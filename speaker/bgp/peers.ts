// One BgpSession per configured BGPPeer on this node: created, restarted when what the
// session was built from changes, removed when the peer goes; routes per peer survive restarts.
import { EventEmitter } from 'node:events';
import type { BgpPeer } from '../../lib/config/types.ts';
import type { Logger } from '../../lib/log/index.ts';
import { performance } from 'node:perf_hooks';
import type { BfdManager } from '../bfd/manager.ts';
import type { StateChange } from '../bfd/session.ts';
import { BfdLink } from './bfd-link.ts';
import type { BfdPeerStatus } from './bfd-link.ts';
import type { FsmStateName, NegotiatedSession } from './fsm-types.ts';
import type { BgpListener } from './listener.ts';
import type { BgpStats } from './metrics.ts';
import { interfaceNextHops } from './next-hops.ts';
import type { InterfaceTable } from './next-hops.ts';
import { formatBgpId } from './open.ts';
import { planPeerSession } from './peer-config.ts';
import type { NodeIdentity, PeerSessionPlan, SpeakerDefaults } from './peer-config.ts';
import type { AnnouncedRoute } from './route.ts';
import { BgpSession } from './session.ts';
import type { SessionLogger, SocketFactory } from './session.ts';
import { createSocketFactory } from './sockets.ts';
import type { ConnectFailure, SocketFactoryOptions } from './sockets.ts';

export interface BgpPeerManagerOptions {
  listener?: BgpListener;
  logger?: Logger;
  stats?: BgpStats;
  defaults?: SpeakerDefaults;
  /** Runs BFD for peers with a bfdProfile; BFD down resets their BGP session. Omitted: no BFD here. */
  bfd?: BfdManager;
  /**
   * This process replaces one that stopped for a graceful restart (RFC 4724): the first OPEN
   * to each graceful-restart peer sets the Restart State bit, and no table or End-of-RIB goes
   * out until setRoutes() has given that peer's routes (or `restartDeferralMs` passed).
   */
  restarting?: boolean;
  /** With `restarting`: per peer, when the router surely found the previous speaker's BFD session down (ms after its last packet; the restart marker). */
  restartBfdDownAfterMs?: Readonly<Record<string, number>>;
  /** Default 30 s. */
  restartDeferralMs?: number;
  /** Test seams. */
  socketFactory?: (opts: SocketFactoryOptions) => SocketFactory;
  interfaces?: () => InterfaceTable;
}

export interface PeerStatus {
  name: string;
  peerAddress: string;
  state: FsmStateName;
  /** The peer's ASN once an OPEN was accepted (learned when dynamicASN is used). */
  peerAs?: number;
  peerRouterId?: string;
  localAddress?: string;
  announced: number;
  pending: number;
  /** Why the session is not up, the last time it failed. */
  lastError?: string;
  /** Invalid peer configuration: no session runs. */
  configError?: string;
  /** Only with BgpPeerManagerOptions.bfd, for peers with a bfdProfile. */
  bfd?: BfdPeerStatus;
}

export interface BgpPeerManagerEvents {
  sessionUp: [peer: string, session: NegotiatedSession];
  sessionDown: [peer: string, reason: string];
  connectFailed: [peer: string, failure: ConnectFailure & { hint: string }];
  notification: [peer: string, info: { direction: 'sent' | 'received'; code: number; subcode: number; name: string; message?: string }];
  bfdStateChange: [peer: string, change: StateChange];
}

interface PeerEntry {
  plan?: PeerSessionPlan;
  session?: BgpSession;
  configError?: string;
  lastError?: string;
}

const SESSION_RESTART_MESSAGE = 'Portside: peer configuration changed';

export function connectHint(f: ConnectFailure, password: boolean): string {
  switch (f.outcome) {
    case 'noReply':
      return password
        ? 'no reply — check the password/MD5 configuration (a key mismatch drops every segment silently)'
        : 'no reply — peer unreachable or filtering port 179, or it expects an MD5 password';
    case 'refused':
      return 'connection refused — nothing listens for BGP on the peer at that port';
    case 'unreachable':
      return 'no route to the peer — check the address and the node network';
    default:
      return f.message;
  }
}

export class BgpPeerManager extends EventEmitter<BgpPeerManagerEvents> {
  private readonly opts: BgpPeerManagerOptions;
  private readonly peers = new Map<string, PeerEntry>();
  private readonly routes = new Map<string, readonly AnnouncedRoute[]>();
  private gshutOn = false;
  private readonly bfd: BfdLink | undefined;
  /** Peers not yet Established since a graceful restart of this process. */
  private readonly restartPending = new Set<string>();
  /** Peers opened with the Restart State bit that have not yet had our table and End-of-RIB. */
  private readonly restartedTables = new Set<string>();
  private restartAll: boolean;

  constructor(opts: BgpPeerManagerOptions = {}) {
    super();
    this.opts = opts;
    this.restartAll = opts.restarting ?? false;
    if (opts.bfd) {
      this.bfd = new BfdLink({
        bfd: opts.bfd,
        reset: (peer, reason) => this.resetPeer(peer, reason),
        onState: (peer, change) => this.emit('bfdStateChange', peer, change),
        ...(opts.logger ? { logger: opts.logger } : {}),
        ...(opts.stats ? { stats: opts.stats } : {}),
      });
    }
  }

  /** Makes the running sessions match `peers` (the ones selected for this node). */
  setPeers(peers: readonly BgpPeer[], node: NodeIdentity): void {
    const wanted = new Set(peers.map((p) => p.name));
    for (const name of [...this.peers.keys()]) {
      if (!wanted.has(name)) this.removePeer(name, 'Portside: peer removed');
    }
    for (const peer of peers) {
      const result = planPeerSession(peer, node, this.opts.defaults);
      const entry = this.peers.get(peer.name) ?? {};
      this.peers.set(peer.name, entry);
      if (!result.ok) {
        if (entry.configError !== result.reason) this.opts.logger?.warn('bgp_peer_invalid', { peer: peer.name, msg: result.reason });
        this.stopSession(entry, SESSION_RESTART_MESSAGE);
        void this.bfd?.remove(peer.name);
        entry.configError = result.reason;
        delete entry.plan;
        continue;
      }
      delete entry.configError;
      this.bfd?.configure(peer.name, peer.bfdProfile);
      if (entry.plan?.key === result.plan.key && entry.session) continue;
      if (entry.session) this.opts.logger?.info('bgp_peer_restart', { peer: peer.name, msg: 'peer configuration changed: restarting its session' });
      this.stopSession(entry, SESSION_RESTART_MESSAGE);
      entry.plan = result.plan;
      entry.session = this.startSession(result.plan);
    }
    if (peers.length > 0) this.restartAll = false; // peers configured later are no restart
  }

  /** The exact set of routes `peerName` should carry (diffed against what it has). */
  setRoutes(peerName: string, routes: readonly AnnouncedRoute[]): void {
    this.routes.set(peerName, routes);
    const session = this.peers.get(peerName)?.session;
    session?.setRoutes(routes);
    session?.releaseInitialTable();
    if (session) queueMicrotask(() => this.reportPrefixes(peerName, session));
  }

  /** RFC 8326: before withdrawing on SIGTERM, re-announce everything with GRACEFUL_SHUTDOWN. */
  setGracefulShutdown(on: boolean): void {
    this.gshutOn = on;
    for (const e of this.peers.values()) e.session?.setGracefulShutdown(on);
  }

  sessions(): PeerStatus[] {
    return [...this.peers].map(([name, e]) => {
      const s = e.session;
      const n = s?.negotiated;
      const local = s?.localAddress;
      return {
        name,
        peerAddress: e.plan?.peerAddress ?? '',
        state: s?.state ?? 'Idle',
        ...(n ? { peerAs: n.peerAs, peerRouterId: formatBgpId(n.peerId) } : {}),
        ...(local && n ? { localAddress: local } : {}),
        announced: s?.announcedCount ?? 0,
        pending: s ? s.pendingCount : (this.routes.get(name)?.length ?? 0),
        ...(e.lastError ? { lastError: e.lastError } : {}),
        ...(e.configError ? { configError: e.configError } : {}),
        ...(this.bfd?.status(name) ? { bfd: this.bfd.status(name) } : {}),
      };
    });
  }

  /** Tears one peer's session down now (e.g. its path failed); it reconnects after the backoff. */
  resetPeer(name: string, reason: string): void {
    const session = this.peers.get(name)?.session;
    if (!session) return;
    this.opts.logger?.warn('bgp_peer_reset', { peer: name, msg: `resetting the BGP session: ${reason}` });
    session.reset(reason);
  }

  /**
   * SIGTERM. With `restart` (a restart exit) the peers with graceful restart are closed first,
   * without a NOTIFICATION: they keep our routes as stale for the restart time (RFC 4724 §4.2).
   * Every other peer gets RFC 8326: its routes re-announced with GRACEFUL_SHUTDOWN (LOCAL_PREF 0
   * on iBGP), `waitMs` for routers to move traffic away, then withdraw all and Cease.
   * Returns the peers closed for a restart.
   */
  async gracefulShutdown(waitMs: number, { restart = false, message = 'Portside: speaker shutting down' }: { restart?: boolean; message?: string } = {}): Promise<string[]> {
    const kept = restart ? [...this.peers].flatMap(([name, e]) => (e.plan?.config.gracefulRestart ? [name] : [])) : [];
    for (const name of kept) this.removePeer(name, message, true);
    if ([...this.peers.values()].some((e) => (e.session?.announcedCount ?? 0) > 0)) {
      this.opts.logger?.info('bgp_graceful_shutdown', { waitMs, msg: `announcing with GRACEFUL_SHUTDOWN for ${waitMs} ms before withdrawing` });
      this.setGracefulShutdown(true);
      await new Promise((r) => setTimeout(r, waitMs));
    }
    for (const e of this.peers.values()) e.session?.setRoutes([]);
    await new Promise((r) => setImmediate(r)); // the withdrawals flush in a microtask, ahead of the Cease
    this.stop(message);
    await this.bfd?.close();
    return kept;
  }

  /** Stops every session: Cease / Administrative Shutdown. */
  stop(message = 'Portside: speaker stopping'): void {
    for (const name of [...this.peers.keys()]) this.removePeer(name, message);
  }

  /** Per graceful-restart peer whose BFD session is Up: when the router would find it down after our last packet (the restart marker keeps it). */
  bfdDownAfter(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of this.restartablePeers()) {
      const ms = this.bfd?.routerDownAfterMs(name);
      if (ms !== undefined) out[name] = ms;
    }
    return out;
  }

  /** Peers with graceful restart whose session is Established: they would keep our routes through a restart. */
  restartablePeers(): string[] {
    return [...this.peers].flatMap(([name, e]) => (e.plan?.config.gracefulRestart && e.session?.negotiated ? [name] : []));
  }

  /** `forRestart`: a peer with graceful restart, closed without NOTIFICATION (and its BFD session without AdminDown). */
  private removePeer(name: string, message: string, forRestart = false): void {
    const entry = this.peers.get(name);
    if (entry) this.stopSession(entry, message, forRestart);
    void this.bfd?.remove(name, { silently: forRestart });
    this.peers.delete(name);
    this.routes.delete(name);
    this.restartedTables.delete(name);
    this.opts.stats?.removePeer(name);
  }

  private stopSession(entry: PeerEntry, message: string, forRestart = false): void {
    const { session, plan } = entry;
    if (!session || !plan) return;
    delete entry.session;
    session.removeAllListeners();
    this.opts.listener?.unregister(plan.peerAddress);
    this.opts.listener?.setPassword(plan.peerAddress, undefined);
    const silent = forRestart && plan.config.gracefulRestart !== undefined;
    if (silent) {
      this.opts.logger?.info('bgp_graceful_restart_stop', {
        peer: plan.name, announced: session.announcedCount, restartTime: plan.config.gracefulRestart?.restartTime,
        msg: 'closing without NOTIFICATION: the peer keeps our routes (stale) while we restart',
      });
    }
    session.stop(message, { notify: !silent, withdraw: !silent });
    this.opts.stats?.sessionUp(plan.name, false);
  }

  private startSession(plan: PeerSessionPlan): BgpSession {
    const { name } = plan;
    const log = this.opts.logger?.child({ peer: name, peerAddress: plan.peerAddress });
    // Reports from a replaced session's late sockets are stale: only the current one counts.
    const current = (): boolean => this.peers.get(name)?.session === session;
    const factoryOpts: SocketFactoryOptions = {
      ...(plan.password ? { password: plan.password } : {}),
      onFailure: (f) => {
        if (!current()) return;
        const hint = connectHint(f, plan.password !== undefined);
        this.setLastError(name, hint);
        log?.warn('bgp_connect_failed', { outcome: f.outcome, code: f.code, elapsedMs: f.elapsedMs, msg: `cannot connect to ${plan.peerAddress}:${plan.peerPort}: ${hint}` });
        this.emit('connectFailed', name, { ...f, hint });
      },
    };
    const interfaces = this.opts.interfaces;
    const gr = plan.config.gracefulRestart;
    if (this.restartAll && gr) this.restartPending.add(name);
    const restarting = gr !== undefined && this.restartPending.has(name);
    if (restarting) {
      this.restartedTables.add(name);
      this.opts.stats?.restartPending(name, true);
    }
    const session: BgpSession = new BgpSession({
      config: restarting && gr ? { ...plan.config, gracefulRestart: { ...gr, restarting: true } } : plan.config,
      ...(restarting && !this.routes.has(name) ? { holdInitialTable: true } : {}),
      peerAddress: plan.peerAddress,
      peerPort: plan.peerPort,
      ...(plan.sourceAddress ? { sourceAddress: plan.sourceAddress } : {}),
      ebgpMultiHop: plan.ebgpMultiHop,
      connect: (this.opts.socketFactory ?? createSocketFactory)(factoryOpts),
      resolveNextHops: (local) => interfaceNextHops(local, interfaces?.()),
      ...(log ? { logger: sessionLogger(log) } : {}),
    });
    this.wire(plan, session, log);
    this.opts.listener?.setPassword(plan.peerAddress, plan.password);
    // An Idle session refuses what the listener hands it: nothing is accepted before start().
    this.opts.listener?.register(plan.peerAddress, (socket) => session.acceptConnection(socket));
    const routes = this.routes.get(name);
    if (routes) session.setRoutes(routes);
    if (this.gshutOn) session.setGracefulShutdown(true);
    this.opts.stats?.sessionUp(name, false);
    const open = (): void => {
      session.start();
      if (restarting && !this.routes.has(name)) setTimeout(() => session.releaseInitialTable(), this.opts.restartDeferralMs ?? 30_000).unref();
    };
    const holdMs = restarting ? this.restartBfdHoldMs(name, (gr?.restartTime ?? 0) * 1000) : 0;
    if (holdMs <= 0) {
      open();
      return session;
    }
    log?.info('bgp_graceful_restart_bfd_hold', {
      holdMs: Math.round(holdMs),
      msg: 'opening the session once the router\'s BFD has timed out the previous speaker\'s session: its late Down would end the session opened with the Restart State bit',
    });
    setTimeout(() => {
      if (this.peers.get(name)?.session === session) open();
    }, holdMs).unref();
    return session;
  }

  /**
   * After a restart, a graceful-restart peer with BFD: the router still runs the previous
   * speaker's BFD session until its detection time has passed without a packet (it stopped
   * when that process did, at the latest when this one started). Opened sooner, our session is
   * Established with the Restart State bit and then torn down by that late BFD Down (FRR:
   * Cease / BFD Down), and the next one opens without the bit. So wait: the detection time and
   * one interval more, from this process's start — by our profile, or as the previous speaker's
   * session had agreed it with the router (the marker), whichever is longer. Never past the
   * restart time: by then the router has dropped our routes anyway (and a marker's value may be
   * anything).
   */
  private restartBfdHoldMs(name: string, restartTimeMs: number): number {
    const downAfter = Math.max(this.bfd?.downAfterMs(name) ?? 0, this.opts.restartBfdDownAfterMs?.[name] ?? 0);
    return Math.min(downAfter, restartTimeMs) - performance.now();
  }

  private wire(plan: PeerSessionPlan, s: BgpSession, log: Logger | undefined): void {
    const { name } = plan;
    const stats = this.opts.stats;
    s.on('established', (n) => {
      const restartState = this.restartPending.delete(name);
      this.bfd?.established(name, plan.peerAddress, plan.sourceAddress ?? s.localAddress);
      stats?.sessionUp(name, true);
      log?.info('bgp_session_established', { peerAs: n.peerAs, ibgp: n.ibgp, holdTime: n.holdTime, families: n.families, local: s.localAddress, restartState });
      this.emit('sessionUp', name, n);
    });
    s.on('endOfRib', ({ families, announced }) => {
      if (!this.restartedTables.delete(name)) {
        log?.debug('bgp_end_of_rib_sent', { families, announced });
        return;
      }
      stats?.restartPending(name, false);
      log?.info('bgp_graceful_restart_done', { families, announced, msg: `restart complete: table (${announced} prefixes) and End-of-RIB sent; the peer drops stale routes we did not re-announce` });
    });
    s.on('down', ({ reason }) => {
      this.setLastError(name, reason);
      stats?.sessionUp(name, false);
      this.reportPrefixes(name, s);
      log?.warn('bgp_session_down', { reason });
      this.emit('sessionDown', name, reason);
    });
    s.on('updatesSent', ({ messages }) => {
      stats?.updateMessages(name, 'sent', messages);
      this.reportPrefixes(name, s);
    });
    s.on('updateReceived', () => stats?.updateMessages(name, 'received'));
    s.on('message', ({ direction, type }) => stats?.message(name, direction, type));
    // The FSM logs what a live socket's error did to the session; a closing socket's error is noise.
    s.on('socketError', ({ code, current }) => {
      if (current) stats?.socketError(name, code);
    });
    s.on('notificationSent', ({ code, subcode, name: what }) => {
      stats?.notification(name, 'sent', code, subcode);
      this.setLastError(name, `sent NOTIFICATION ${what}`);
      log?.warn('bgp_notification_sent', { code, subcode, msg: `sent NOTIFICATION ${code}/${subcode} (${what})` });
      this.emit('notification', name, { direction: 'sent', code, subcode, name: what });
    });
    s.on('notificationReceived', ({ code, subcode, name: what, message }) => {
      stats?.notification(name, 'received', code, subcode);
      this.setLastError(name, `peer sent NOTIFICATION ${what}${message ? `: ${message}` : ''}`);
      log?.warn('bgp_notification_received', { code, subcode, shutdownMessage: message, msg: `peer sent NOTIFICATION ${code}/${subcode} (${what})` });
      this.emit('notification', name, { direction: 'received', code, subcode, name: what, ...(message ? { message } : {}) });
    });
  }

  private setLastError(name: string, error: string | undefined): void {
    const e = this.peers.get(name);
    if (!e) return;
    if (error === undefined) delete e.lastError;
    else e.lastError = error;
  }

  private reportPrefixes(name: string, s: BgpSession): void {
    if (this.peers.get(name)?.session === s) this.opts.stats?.prefixes(name, s.announcedCount, s.pendingCount);
  }
}

function sessionLogger(log: Logger): SessionLogger {
  const at = (level: 'debug' | 'info' | 'warn') => (obj: object, msg: string) => {
    const { event, peer: _address, ...rest } = obj as { event?: string; peer?: string }; // the child logger names the peer
    log[level](event ?? 'bgp_session', { ...rest, msg });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn') };
}
