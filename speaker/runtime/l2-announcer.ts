// Layer 2 on this node: the LivenessMesh (who is alive, without the API server), one
// L2Responder per interface set, and the owned IPs handed to them once the peers' claims
// allow (conflict.ts: never two answers) and we are not cut off (isolation.ts). Until its
// first plan is applied and its responders are open the node is `starting`: it answers
// nothing and its heartbeats say so, so peers keep its IPs meanwhile; on SIGTERM it stops
// answering and says it is leaving, so peers take its IPs at once.
import type { Logger } from '../../lib/log/index.ts';
import type { Registry } from '../../lib/metrics/index.ts';
import { settleClaims } from '../l2/conflict.ts';
import { CONNECTED, mayAnswer, nextIsolation, type Isolation } from '../l2/isolation.ts';
import { L2Stats } from '../l2/l2-stats.ts';
import type { LinksOf } from '../l2/link-state.ts';
import type { OwnerCandidate } from '../l2/ownership.ts';
import { L2Responder } from '../l2/responder.ts';
import type { L2ResponderOptions } from '../l2/responder.ts';
import type { HeartbeatLink } from '../liveness/heartbeat.ts';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_LIVENESS } from '../liveness/liveness-fsm.ts';
import { DEFAULT_KEY_OVERLAP_MS, LivenessMesh } from '../liveness/mesh.ts';
import { MeshStats } from '../liveness/mesh-stats.ts';
import type { LivenessPeer } from '../liveness/mesh.ts';
import type { L2Plan } from '../planner/index.ts';

export interface L2AnnouncerOptions {
  node: string;
  logger: Logger;
  registry: Registry;
  livenessPort: number;
  livenessTimeoutMs?: number;
  livenessIntervalMs?: number;
  /** The live view changed (a peer came or went, a grace period ended, a link went down or up): plan again now. */
  onLivenessChange: () => void;
  /** An interface of an L2Advertisement cannot be used; `ips` are the IPs meant for it. */
  onAnnounceFailed: (ifname: string, reason: string, ips: readonly string[]) => void;
  /** A responder opened its interfaces (the interfaces reported for "all" are known now). */
  onInterfaces?: () => void;
  /** Test seam. */
  responder?: (opts: L2ResponderOptions) => L2Responder;
}

export interface LivenessSetup {
  /** undefined: no key — no mesh, every eligible node counts as live. */
  key: Uint8Array | undefined;
  bindAddress: string | undefined;
  peers: readonly LivenessPeer[];
}

interface ResponderEntry {
  responder: L2Responder;
  /** Owned IPs answered here; [] on a standby responder (kept for its link states). */
  ips: string[];
  /** Interface → reason reported by the responder, told again for IPs it takes later. */
  failures: Map<string, string>;
  /** Settles when the responder opened its interfaces (or failed to). */
  started: Promise<void>;
}

const REFRESH_INTERFACES_MS = 10_000;

export class L2Announcer {
  readonly stats: L2Stats;
  private readonly meshStats: MeshStats;
  private readonly opts: L2AnnouncerOptions;
  private readonly timeoutMs: number;
  private readonly intervalMs: number;
  private readonly responders = new Map<string, ResponderEntry>();
  private mesh: { mesh: LivenessMesh; fingerprint: string; key: Uint8Array } | undefined;
  private watched = new Set<string>();
  /**
   * Newly watched peers count as live for one timeout, so a fresh view never grabs their IPs.
   * The grace ends when its timer has fired and the loop has read the sockets since (as a
   * death: `endGrace`), not by the clock: after a stall of ours their heartbeats may be queued.
   */
  private readonly inGrace = new Set<string>();
  private candidates = new Map<string, readonly OwnerCandidate[]>();
  private isolation: Isolation = CONNECTED;
  /** A peer was heard since the mesh started (losing them all then means quiet). */
  private hadPeers = false;
  private evidenceTimer: NodeJS.Timeout | undefined;
  /** Our timer lag since the last `liveness_timer_lag` line (said at most once a second). */
  private lag = { worst: 0, count: 0, saidAt: 0 };
  /** What the last settle held back (logged on change only). */
  private lastHeld = '';
  private readonly refreshTimer: NodeJS.Timeout;
  private closed = false;
  /** The first plan is applied and its responders are open: we may answer (heartbeats stop saying `starting`). */
  private ready = false;
  private readying = false;

  constructor(opts: L2AnnouncerOptions) {
    this.opts = opts;
    this.timeoutMs = opts.livenessTimeoutMs ?? DEFAULT_LIVENESS.timeoutMs;
    this.intervalMs = opts.livenessIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.stats = new L2Stats(opts.registry);
    this.meshStats = new MeshStats(opts.registry);
    this.refreshTimer = setInterval(() => {
      for (const { responder } of this.responders.values()) void responder.refreshInterfaces().catch(() => undefined);
    }, REFRESH_INTERFACES_MS);
    this.refreshTimer.unref();
  }

  /** Starts, replaces or stops the mesh and sets its watch set. */
  configureLiveness(setup: LivenessSetup): void {
    if (this.closed) return;
    const { bindAddress } = setup;
    // A Secret deleted (to rotate it) keeps the last key until the new one comes; a changed
    // key rotates in place (LivenessMesh.setKey), so neither restarts the mesh.
    const key = setup.key ?? (this.mesh?.key);
    const fingerprint = key && bindAddress ? `${bindAddress}|${this.opts.livenessPort}` : '';
    if (this.mesh && this.mesh.fingerprint !== fingerprint) {
      this.mesh.mesh.close();
      this.mesh = undefined;
      this.watched = new Set();
      this.hadPeers = false;
      this.isolation = CONNECTED;
    }
    if (!fingerprint || !key || !bindAddress) return;
    if (!this.mesh) this.mesh = { mesh: this.startMesh(key, bindAddress), fingerprint, key };
    if (!Buffer.from(this.mesh.key).equals(Buffer.from(key))) {
      const { mesh } = this.mesh;
      const badBefore = mesh.stats().dropped['bad-signature'] ?? 0;
      mesh.setKey(key);
      this.mesh.key = key;
      this.opts.logger.info('liveness_key_rotated', {});
      // After both overlaps: heartbeats no key of ours could check (peers saw the Secret too late).
      setTimeout(() => {
        this.opts.logger.info('liveness_key_rotation_done', { badSignatures: (mesh.stats().dropped['bad-signature'] ?? 0) - badBefore });
      }, 2 * DEFAULT_KEY_OVERLAP_MS + 100).unref();
    }
    this.mesh.mesh.setPeers(setup.peers);
    const next = new Set(setup.peers.map((p) => p.node));
    for (const node of next) {
      if (this.watched.has(node)) continue;
      this.inGrace.add(node);
      setTimeout(() => setImmediate(() => this.endGrace(node)), this.timeoutMs + 5).unref();
    }
    for (const node of this.inGrace) if (!next.has(node)) this.inGrace.delete(node);
    this.watched = next;
  }

  /**
   * Peers heard alive and ready (or in their first grace period, unless heard starting):
   * a peer still starting answers nothing, so it is no candidate yet and whoever answers its
   * IPs keeps them. undefined = no mesh, everyone is live.
   */
  liveNodes(): ReadonlySet<string> | undefined {
    if (!this.mesh) return undefined;
    const mesh = this.mesh.mesh;
    const live = mesh.readySet();
    for (const node of this.inGrace) if (mesh.heardReady(node) !== false) live.add(node);
    return live;
  }

  /** Whether the first plan is applied and its responders are open (heartbeats say `starting` until then). */
  /** The liveness mesh runs (with the current or, after the Secret went, the last key). */
  meshRunning(): boolean {
    return this.mesh !== undefined;
  }

  isReady(): boolean {
    return this.ready;
  }

  watchedCount(): number {
    return this.watched.size;
  }

  /** Links by node for ownership: peers from their heartbeats, self from its responders; undefined without a mesh. */
  linksOf(): LinksOf | undefined {
    if (!this.mesh) return undefined;
    const peers = this.mesh.mesh.peerLinks();
    const own = this.linkStates();
    return (node) => (node === this.opts.node ? own : peers.get(node));
  }

  /**
   * Answers for exactly the IPs of `owned`, each on its advertisement's interfaces. A
   * responder also runs (owning nothing) for the IPs this node is a candidate for, so its
   * link states reach the heartbeats and ownership before it is chosen, and after it gave up.
   */
  apply(all: readonly L2Plan[], owned: readonly L2Plan[]): void {
    if (this.closed) return;
    this.candidates = new Map(all.map((p) => [p.ip, p.candidates]));
    const answer = this.answerable(owned.map((p) => p.ip));
    const before = this.answering();
    const byInterfaces = new Map<string, { interfaces: string[]; ips: string[] }>();
    const standby = all.filter((p) => p.candidates.some((c) => c.node === this.opts.node));
    for (const p of [...standby, ...owned]) {
      const key = p.interfaces.length === 0 ? '*' : p.interfaces.join(',');
      if (!byInterfaces.has(key)) byInterfaces.set(key, { interfaces: p.interfaces, ips: [] });
    }
    for (const p of owned) if (answer.has(p.ip)) byInterfaces.get(p.interfaces.length === 0 ? '*' : p.interfaces.join(','))?.ips.push(p.ip);
    for (const [key, entry] of [...this.responders]) {
      if (byInterfaces.has(key)) continue;
      entry.responder.close();
      this.responders.delete(key);
    }
    this.becomeReadyOnce();
    for (const [key, { interfaces, ips }] of byInterfaces) {
      let entry = this.responders.get(key);
      if (!entry) {
        entry = this.startResponder(interfaces, ips);
        this.responders.set(key, entry);
      }
      const added = ips.filter((ip) => !entry.ips.includes(ip));
      entry.ips = ips;
      entry.responder.setOwned(ips);
      const answering = new Set(entry.responder.links().map((l) => l.name));
      for (const [ifname, reason] of entry.failures) if (added.length > 0 && !answering.has(ifname)) this.opts.onAnnounceFailed(ifname, reason, added);
    }
    // Our claims changed: tell the peers now, so a handover takes one trip, not one interval.
    if (this.answering().join() !== before.join()) this.mesh?.mesh.announceNow();
  }

  /** After the first apply: once its responders are open, say ready and plan again (now IPs may be answered). */
  private becomeReadyOnce(): void {
    if (this.ready || this.readying) return;
    this.readying = true;
    // The responders the first plan needs; started in this same apply, just below this call.
    queueMicrotask(() => {
      void Promise.allSettled([...this.responders.values()].map((e) => e.started)).then(() => {
        if (this.closed) return;
        this.ready = true;
        this.opts.logger.info('l2_ready', { responders: this.responders.size });
        this.mesh?.mesh.announceNow();
        this.opts.onLivenessChange();
      });
    });
  }

  /** The IPs answered now on any interface, sorted (what heartbeats claim). */
  answering(): string[] {
    return [...new Set([...this.responders.values()].flatMap((e) => e.responder.owned()))].sort();
  }

  /** Of the IPs our view owns, those we may answer: not while cut off, and never one a heard peer still answers. */
  private answerable(owned: readonly string[]): Set<string> {
    const mesh = this.mesh?.mesh;
    if (!mesh) return new Set(owned);
    if (!this.ready) return new Set();
    this.updateIsolation();
    if (!mayAnswer(this.isolation)) return new Set();
    const settled = settleClaims({
      self: this.opts.node,
      owned,
      answering: new Set(this.answering()),
      claims: mesh.peerClaims(),
      candidatesOf: (ip) => this.candidates.get(ip) ?? [],
    });
    // A peer we just started watching and have not heard yet may be answering anything: take nothing new until it speaks (or its grace ends).
    // Nor while a heard peer's claims came only in parts: the IPs of the parts not seen yet may be answered by it.
    const heard = mesh.heardSet();
    const unheard = [...this.inGrace].filter((node) => !heard.has(node));
    for (const node of mesh.partlyKnownSet()) if (this.watched.has(node)) unheard.push(node);
    if (unheard.length > 0) {
      const answering = new Set(this.answering());
      for (const ip of settled.answer.filter((a) => !answering.has(a))) settled.waiting.push({ ip, on: unheard });
      settled.answer = settled.answer.filter((a) => answering.has(a));
    }
    const held = JSON.stringify({ yielded: settled.yielded, waiting: settled.waiting });
    if (held !== this.lastHeld) {
      this.lastHeld = held;
      if (settled.yielded.length + settled.waiting.length > 0) this.opts.logger.info('l2_claims_settled', { yielded: settled.yielded, waiting: settled.waiting });
      for (const { ip } of settled.yielded) this.stats.conflict(ip, 'yield');
    }
    return new Set(settled.answer);
  }

  private updateIsolation(frameAt?: number): void {
    const mesh = this.mesh?.mesh;
    if (!mesh) return;
    const before = this.isolation;
    // Peers that said they were leaving are gone, not lost: losing the last of them is no partition.
    const left = [...mesh.leftSet()].filter((node) => this.watched.has(node)).length;
    this.isolation = nextIsolation(before, {
      now: Date.now(),
      watched: this.watched.size - left,
      heard: mesh.heardSet().size,
      alive: mesh.liveSet().size,
      hadPeers: this.hadPeers,
      ...(frameAt !== undefined ? { frameAt } : {}),
      waitMs: 2 * this.intervalMs,
    });
    if (before.phase !== this.isolation.phase) this.opts.logger.warn('l2_isolation', { from: before.phase, to: this.isolation.phase });
  }

  /** Another host's frame while quiet: if no peer speaks within the wait, we are the sole survivor. */
  private segmentFrame(): void {
    if (this.isolation.phase !== 'quiet' || this.isolation.evidenceAt !== undefined || this.evidenceTimer) return;
    this.updateIsolation(Date.now());
    this.evidenceTimer = setTimeout(() => {
      this.evidenceTimer = undefined;
      this.opts.onLivenessChange();
    }, 2 * this.intervalMs + 5).unref();
  }

  /** Interfaces an owned IP is answered on, with their MACs: the advertisement's, or the responder's links for "all". */
  interfacesOf(ip: string, named: readonly string[]): { name: string; mac?: string }[] {
    const entry = this.responders.get(named.length === 0 ? '*' : named.join(','));
    const links = entry && entry.ips.includes(ip) ? entry.responder.links() : [];
    if (named.length === 0) return links.map((l) => ({ name: l.name, mac: l.mac }));
    return named.map((name) => {
      const mac = links.find((l) => l.name === name)?.mac;
      return mac ? { name, mac } : { name };
    });
  }

  /**
   * SIGTERM: stop answering, tell the peers we are leaving (they take our IPs now, not after
   * the liveness timeout), then close.
   */
  async leave(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { responder } of this.responders.values()) responder.setOwned([]);
    await this.mesh?.mesh.leave();
    this.opts.logger.info('l2_left', {});
    this.close();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.refreshTimer);
    clearTimeout(this.evidenceTimer);
    this.mesh?.mesh.close();
    this.mesh = undefined;
    for (const { responder } of this.responders.values()) responder.close();
    this.responders.clear();
  }

  private startResponder(interfaces: string[], ips: string[]): ResponderEntry {
    const make = this.opts.responder ?? ((o: L2ResponderOptions) => new L2Responder(o));
    const entry: ResponderEntry = { responder: undefined as unknown as L2Responder, ips, failures: new Map(), started: Promise.resolve() };
    entry.responder = make({
      interfaces: interfaces.length === 0 ? 'all' : interfaces,
      counters: this.stats,
      onAnnounceFailed: (ifname, reason) => {
        entry.failures.set(ifname, reason);
        this.opts.logger.warn('l2_announce_failed', { ifname, reason, ips: entry.ips });
        if (entry.ips.length > 0) this.opts.onAnnounceFailed(ifname, reason, entry.ips);
      },
      onLinksChanged: (links) => {
        this.opts.logger.info('l2_links_changed', { interfaces, links });
        this.opts.onLivenessChange();
      },
      // A frame proves nothing about who sent it: we reassert, and only heartbeats settle owners.
      onClaim: ({ ip, mac, ifname }) => this.opts.logger.warn('l2_conflict', { ip, mac, ifname, outcome: 'reassert' }),
      onSegmentFrame: () => this.segmentFrame(),
      onHeartbeatFrame: (payload, mac) => this.mesh?.mesh.receiveFrame(payload, mac),
    });
    entry.started = entry.responder.start().then(() => this.opts.onInterfaces?.()).catch((err: unknown) => this.opts.logger.error('l2_responder_failed', { interfaces, err }));
    return entry;
  }

  private startMesh(key: Uint8Array, bindAddress: string): LivenessMesh {
    const mesh = new LivenessMesh({
      node: this.opts.node,
      key,
      port: this.opts.livenessPort,
      bindAddress,
      peers: [],
      timeoutMs: this.timeoutMs,
      ...(this.opts.livenessIntervalMs ? { intervalMs: this.opts.livenessIntervalMs } : {}),
      links: () => this.linkStates(),
      claims: () => this.answering(),
      ready: () => this.ready,
      sendFrame: (wire) => {
        for (const { responder } of this.responders.values()) responder.sendHeartbeat(wire);
      },
    });
    mesh.on('claims', (node, claims) => {
      this.hadPeers = true;
      this.opts.logger.debug('liveness_claims', { peer: node, claims });
      this.opts.onLivenessChange();
    });
    mesh.on('links', (node, links) => {
      this.opts.logger.info('liveness_links', { peer: node, links });
      this.opts.onLivenessChange();
    });
    mesh.on('alive', (node) => {
      this.hadPeers = true;
      this.opts.logger.info('liveness_alive', { peer: node });
      this.opts.onLivenessChange();
    });
    mesh.on('dead', (node, left) => {
      this.inGrace.delete(node);
      if (left) this.opts.logger.info('liveness_left', { peer: node });
      else this.opts.logger.warn('liveness_dead', { peer: node });
      this.opts.onLivenessChange();
    });
    mesh.on('dropped', (reason) => this.meshStats.dropped(reason));
    mesh.on('stalled', (lagMs) => {
      this.lag.worst = Math.max(this.lag.worst, lagMs);
      this.lag.count++;
      const now = Date.now();
      if (now - this.lag.saidAt < 1_000) return;
      this.opts.logger.warn('liveness_timer_lag', { worstMs: Math.round(this.lag.worst), timers: this.lag.count, msg: 'our own timers ran late: this process is short of CPU' });
      this.lag = { worst: 0, count: 0, saidAt: now };
    });
    mesh.on('ready', (node, ready) => {
      this.opts.logger.info('liveness_ready', { peer: node, ready });
      this.opts.onLivenessChange();
    });
    mesh.start().then(
      () => this.opts.logger.info('liveness_started', { bindAddress, port: this.opts.livenessPort }),
      (err: unknown) => {
        this.opts.logger.error('liveness_bind_failed', { bindAddress, port: this.opts.livenessPort, err });
        if (this.mesh?.mesh === mesh) this.mesh = undefined; // the next plan tries again
      },
    );
    return mesh;
  }

  /** What heartbeats carry: every interface of every responder, `up: false` when down or held down. */
  private linkStates(): HeartbeatLink[] {
    return [...this.responders.values()].flatMap((e) => e.responder.linkStates());
  }

  private endGrace(node: string): void {
    if (!this.inGrace.delete(node)) return;
    if (this.mesh && !this.mesh.mesh.liveSet().has(node)) this.opts.onLivenessChange();
  }
}
