// One BgpSession per configured BGPPeer on this node: created, restarted when what the
// session was built from changes, removed when the peer goes; routes per peer survive restarts.
import { EventEmitter } from 'node:events';
import type { BgpPeer } from '../../lib/config/types.ts';
import type { Logger } from '../../lib/log/index.ts';
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
}

export interface BgpPeerManagerEvents {
  sessionUp: [peer: string, session: NegotiatedSession];
  sessionDown: [peer: string, reason: string];
  connectFailed: [peer: string, failure: ConnectFailure & { hint: string }];
  notification: [peer: string, info: { direction: 'sent' | 'received'; code: number; subcode: number; name: string; message?: string }];
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
  private gracefulShutdown = false;

  constructor(opts: BgpPeerManagerOptions = {}) {
    super();
    this.opts = opts;
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
        entry.configError = result.reason;
        delete entry.plan;
        continue;
      }
      delete entry.configError;
      if (entry.plan?.key === result.plan.key && entry.session) continue;
      if (entry.session) this.opts.logger?.info('bgp_peer_restart', { peer: peer.name, msg: 'peer configuration changed: restarting its session' });
      this.stopSession(entry, SESSION_RESTART_MESSAGE);
      entry.plan = result.plan;
      entry.session = this.startSession(result.plan);
    }
  }

  /** The exact set of routes `peerName` should carry (diffed against what it has). */
  setRoutes(peerName: string, routes: readonly AnnouncedRoute[]): void {
    this.routes.set(peerName, routes);
    const session = this.peers.get(peerName)?.session;
    session?.setRoutes(routes);
    if (session) queueMicrotask(() => this.reportPrefixes(peerName, session));
  }

  /** RFC 8326: before withdrawing on SIGTERM, re-announce everything with GRACEFUL_SHUTDOWN. */
  setGracefulShutdown(on: boolean): void {
    this.gracefulShutdown = on;
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
      };
    });
  }

  /** Stops every session (Cease / Administrative Shutdown). */
  stop(message = 'Portside: speaker stopping'): void {
    for (const name of [...this.peers.keys()]) this.removePeer(name, message);
  }

  private removePeer(name: string, message: string): void {
    const entry = this.peers.get(name);
    if (entry) this.stopSession(entry, message);
    this.peers.delete(name);
    this.routes.delete(name);
    this.opts.stats?.removePeer(name);
  }

  private stopSession(entry: PeerEntry, message: string): void {
    const { session, plan } = entry;
    if (!session || !plan) return;
    delete entry.session;
    session.removeAllListeners();
    this.opts.listener?.unregister(plan.peerAddress);
    this.opts.listener?.setPassword(plan.peerAddress, undefined);
    session.stop(message);
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
    const session: BgpSession = new BgpSession({
      config: plan.config,
      peerAddress: plan.peerAddress,
      peerPort: plan.peerPort,
      ...(plan.sourceAddress ? { sourceAddress: plan.sourceAddress } : {}),
      ebgpMultiHop: plan.ebgpMultiHop,
      connect: (this.opts.socketFactory ?? createSocketFactory)(factoryOpts),
      resolveNextHops: (local) => interfaceNextHops(local, interfaces?.()),
      ...(log ? { logger: sessionLogger(log) } : {}),
    });
    this.wire(name, session, log);
    this.opts.listener?.setPassword(plan.peerAddress, plan.password);
    this.opts.listener?.register(plan.peerAddress, (socket) => session.acceptConnection(socket));
    const routes = this.routes.get(name);
    if (routes) session.setRoutes(routes);
    if (this.gracefulShutdown) session.setGracefulShutdown(true);
    this.opts.stats?.sessionUp(name, false);
    session.start();
    return session;
  }

  private wire(name: string, s: BgpSession, log: Logger | undefined): void {
    const stats = this.opts.stats;
    s.on('established', (n) => {
      this.setLastError(name, undefined);
      stats?.sessionUp(name, true);
      log?.info('bgp_session_established', { peerAs: n.peerAs, ibgp: n.ibgp, holdTime: n.holdTime, families: n.families, local: s.localAddress });
      this.emit('sessionUp', name, n);
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
