// BGP on this node: the peers selected for it (BgpPeerManager), the shared listener on
// port 179, BFD for peers with a bfdProfile (BgpPeerManager runs it on our BfdManager: BFD
// down resets the BGP session at once), GRACEFUL_SHUTDOWN while cordoned, and SIGTERM: a
// restart exit (graceful-restart peers keep our routes, RFC 4724) or a withdrawal.
import type { BgpAdvert, BgpPeer } from '../../lib/config/index.ts';
import type { Logger } from '../../lib/log/index.ts';
import type { Registry } from '../../lib/metrics/index.ts';
import { BfdManager, BfdStats } from '../bfd/index.ts';
import { formatCidr, type IpRange } from '../../lib/ip/index.ts';
import { BgpListener, BgpPeerManager, BgpStats, DEFAULT_RESTART_TIME } from '../bgp/index.ts';
import type { AnnouncedRoute, NodeIdentity, PeerStatus, SpeakerDefaults } from '../bgp/index.ts';
import { diffRoutes } from '../planner/index.ts';
import type { BgpBackend } from './bgp-backend.ts';

export interface BgpAnnouncerOptions {
  logger: Logger;
  registry: Registry;
  /** BGP listen port; default 179. */
  listenPort?: number;
  /** BFD control port; default 3784. */
  bfdPort?: number;
  defaults?: SpeakerDefaults;
  /**
   * The previous speaker of this node left its routes at graceful-restart peers (a restart
   * exit or a crash, within the restart time): open with the Restart State bit and send each
   * such peer its table and End-of-RIB once its routes are planned.
   */
  restarted?: boolean;
  /** With `restarted`: per peer, when its router surely found the previous speaker's BFD session down (the marker's `bfdDownAfterMs`). */
  restartBfdDownAfterMs?: Readonly<Record<string, number>>;
}

export interface BgpApply {
  peers: readonly BgpPeer[];
  identity: NodeIdentity;
  routes: ReadonlyMap<string, readonly AnnouncedRoute[]>;
  /** Node cordoned: announce with GRACEFUL_SHUTDOWN (RFC 8326). */
  cordoned: boolean;
  /** Every IPAddressPool's ranges: what the host-frr backend counts as Portside's (native ignores it). */
  pools?: readonly IpRange[];
  /** The BGPAdvertisements selecting this node: host-frr names the fields it cannot honour (native ignores it). */
  adverts?: readonly BgpAdvert[];
}

export class BgpAnnouncer implements BgpBackend {
  readonly kind = 'native' as const;
  readonly manager: BgpPeerManager;
  readonly bfd: BfdManager;
  private readonly listener: BgpListener;
  private readonly log: Logger;
  private peers: readonly BgpPeer[] = [];
  private identity: NodeIdentity = { name: '', addresses: [] };
  private readonly routes = new Map<string, readonly AnnouncedRoute[]>();
  private cordoned = false;
  private stopping = false;
  /** Seconds a graceful-restart peer keeps our routes after the session goes (what we advertise). */
  readonly restartTime: number;

  constructor(opts: BgpAnnouncerOptions) {
    this.log = opts.logger;
    this.restartTime = opts.defaults?.restartTime ?? DEFAULT_RESTART_TIME;
    this.listener = new BgpListener({ port: opts.listenPort ?? 179, logger: opts.logger });
    this.bfd = new BfdManager({ port: opts.bfdPort ?? 3784, stats: new BfdStats(opts.registry), logger: opts.logger });
    this.manager = new BgpPeerManager({
      listener: this.listener,
      bfd: this.bfd,
      logger: opts.logger,
      stats: new BgpStats(opts.registry),
      ...(opts.defaults ? { defaults: opts.defaults } : {}),
      ...(opts.restarted ? { restarting: true } : {}),
      ...(opts.restarted && opts.restartBfdDownAfterMs ? { restartBfdDownAfterMs: opts.restartBfdDownAfterMs } : {}),
    });
  }

  /** The BGPPeers of the last apply(). */
  get configuredPeers(): readonly BgpPeer[] {
    return this.peers;
  }

  async start(): Promise<void> {
    try {
      await this.listener.start();
    } catch (err) {
      // Sessions still connect out; only peers that insist on connecting in are affected.
      this.log.warn('bgp_listen_failed', { err, msg: 'cannot listen for BGP: only outgoing sessions will work' });
    }
  }

  apply(want: BgpApply): void {
    if (this.stopping) return;
    this.peers = want.peers;
    this.identity = want.identity;
    this.manager.setPeers(want.peers, want.identity);
    for (const peer of want.peers) {
      const next = want.routes.get(peer.name) ?? [];
      const prev = this.routes.get(peer.name);
      if (prev) {
        const d = diffRoutes(prev, next);
        if (d.announce.length === 0 && d.withdraw.length === 0 && this.manager.sessions().some((s) => s.name === peer.name)) continue;
      }
      this.routes.set(peer.name, next);
      this.manager.setRoutes(peer.name, next);
      this.log.debug('bgp_routes', { peer: peer.name, prefixes: next.map((r) => formatCidr(r.prefix)) });
    }
    for (const name of [...this.routes.keys()]) if (!want.peers.some((p) => p.name === name)) this.routes.delete(name);
    if (want.cordoned !== this.cordoned) {
      this.cordoned = want.cordoned;
      this.log.info('bgp_graceful_shutdown', { on: want.cordoned, msg: want.cordoned ? 'node cordoned: announcing with GRACEFUL_SHUTDOWN' : 'node uncordoned' });
      this.manager.setGracefulShutdown(want.cordoned);
    }
  }

  sessions(): PeerStatus[] {
    return this.manager.sessions();
  }

  onSessionChange(listener: () => void): void {
    for (const change of ['sessionUp', 'sessionDown', 'bfdStateChange'] as const) this.manager.on(change, listener);
  }

  onSessionUp(listener: () => void): void {
    this.manager.on('sessionUp', listener);
  }

  /** Problems are per peer here (PeerStatus.configError). */
  problem(): undefined {
    return undefined;
  }

  /** Graceful-restart peers with an Established session: they hold our routes through a restart. */
  restartablePeers(): string[] {
    return this.manager.restartablePeers();
  }

  bfdDownAfter(): Record<string, number> {
    return this.manager.bfdDownAfter();
  }

  /**
   * SIGTERM. `restart`: graceful-restart peers are closed without NOTIFICATION and keep our
   * routes (returned: their names). Every other peer: GRACEFUL_SHUTDOWN for `graceMs`, then
   * withdraw everything, then Cease (and BFD AdminDown).
   */
  async shutdown(graceMs: number, { restart = false }: { restart?: boolean } = {}): Promise<string[]> {
    if (this.stopping) return [];
    this.stopping = true;
    const kept = await this.manager.gracefulShutdown(graceMs, { restart });
    await this.listener.close();
    return kept;
  }
}
