// The UDP side of liveness: sends a signed heartbeat to every watched peer each
// interval and feeds what arrives into the pure FSM. Symmetric by design: the peers we
// watch are the peers we send to (a node that could succeed us watches us, and we it).
// Bind to the node's address on the announcing segment, so heartbeats share the fate
// of ARP/NDP on that segment; the same signed bytes also go out as Ethernet frames on the
// announcing interfaces (sendFrame / receiveFrame), so losing UDP alone loses nothing
// (see speaker/l2/README.md).
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import { type Clock, systemClock } from '../../lib/time/index.ts';
import { decodeHeartbeat, encodeHeartbeats, MAX_CLAIM_PARTS, type Heartbeat, type HeartbeatDropReason, type HeartbeatLink, type HeartbeatPhase } from './heartbeat.ts';
import {
  claimsOf,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_LIVENESS,
  freshClaims,
  heardPeers,
  leftNodes,
  liveNodes,
  nextDeadline,
  onHeartbeat,
  partlyKnownPeers,
  onTick,
  readyNodes,
  watchPeers,
  type HeartbeatRejection,
  type LivenessConfig,
  type LivenessState,
  type Step,
} from './liveness-fsm.ts';
import { acceptedKeys, keyRing, rotate, signingKey, type KeyRing } from './key-ring.ts';

/** A timer this late means our own process was starved (plain scheduling jitter is less). */
const STALL_MS = 15;
/** How long a rotated key is accepted before it signs, and the old one after: more than the Secret's spread between speakers. */
export const DEFAULT_KEY_OVERLAP_MS = 2_000;

export interface LivenessPeer {
  node: string;
  /** The peer's address on the segment (a Node's InternalIP); a node may have several. */
  address: string;
}

export interface LivenessMeshOptions extends Partial<LivenessConfig> {
  node: string;
  /** Shared HMAC key (from a Secret), raw bytes; setKey() rotates it. */
  key: Uint8Array;
  /** Default DEFAULT_KEY_OVERLAP_MS. */
  keyOverlapMs?: number;
  port: number;
  /** This node's address on the segment; also picks the socket family. */
  bindAddress: string;
  peers: readonly LivenessPeer[];
  /** Default DEFAULT_HEARTBEAT_INTERVAL_MS (75 ms). */
  intervalMs?: number;
  /** Interfaces we announce on, sent in each heartbeat (`up: false` for one that is down). */
  links?: () => HeartbeatLink[];
  /** The IPs this node answers now, sent in each heartbeat (the authenticated claims). */
  claims?: () => string[];
  /** Whether this node answers what it owns yet (heartbeats say `starting` until then); default always. */
  ready?: () => boolean;
  /** Sends the signed heartbeat as an Ethernet frame on the announcing interfaces too. */
  sendFrame?: (wire: Buffer) => void;
  /** Wall time: heartbeats carry it (the replay window compares it across nodes). */
  clock?: Clock;
}

export type DropReason = HeartbeatDropReason | HeartbeatRejection | 'wrong-source' | 'send-failed';

export interface LivenessStats {
  sent: number;
  accepted: number;
  dropped: Partial<Record<DropReason, number>>;
  /** alive → dead transitions by timeout so far. */
  deaths: number;
  /** alive → dead transitions announced by the peer (a leaving heartbeat). */
  departures: number;
  /** Worst lateness of our own timers (ms): a stalled loop here, not a dead peer. */
  maxTimerLagMs: number;
  /** Death checks put off by one interval because our own timer fired late. */
  deferredChecks: number;
  /** The same heartbeat again by its other path (UDP and Ethernet): ignored, not a drop. */
  duplicates: number;
  /** Heartbeats received as Ethernet frames and accepted. */
  acceptedFrames: number;
}

interface MeshEvents {
  alive: [node: string];
  /** `left`: the peer said it is leaving (no timeout, no partition). */
  dead: [node: string, left: boolean];
  /** A live peer's readiness changed (it finished starting): plan again. */
  ready: [node: string, ready: boolean];
  /** A live peer's advertised interfaces changed (one went down or came up): plan again. */
  links: [node: string, links: readonly HeartbeatLink[]];
  /** A heard peer's claims changed (or it was heard again after silence): settle ownership again. */
  claims: [node: string, claims: readonly string[]];
  dropped: [reason: DropReason, from: string];
  /** One of our own timers fired this late (ms, past STALL_MS): our loop was starved, not a peer dead. */
  stalled: [lagMs: number];
}

export class LivenessMesh extends EventEmitter<MeshEvents> {
  readonly node: string;
  readonly incarnation = randomBytes(8).toString('hex');
  #keys: KeyRing;
  readonly #keyOverlapMs: number;
  readonly #cfg: LivenessConfig;
  readonly #intervalMs: number;
  readonly #port: number;
  readonly #bindAddress: string;
  readonly #links: () => HeartbeatLink[];
  readonly #claims: (() => string[]) | undefined;
  readonly #ready: () => boolean;
  readonly #sendFrame: ((wire: Buffer) => void) | undefined;
  readonly #clock: Clock;
  readonly #stats: LivenessStats = { sent: 0, accepted: 0, dropped: {}, deaths: 0, departures: 0, maxTimerLagMs: 0, deferredChecks: 0, duplicates: 0, acceptedFrames: 0 };
  readonly #socket: dgram.Socket;
  #peers: readonly LivenessPeer[] = [];
  #state: LivenessState = new Map();
  #seq = 0;
  #timers: NodeJS.Timeout[] = [];
  #deadlineTimer: NodeJS.Timeout | undefined;
  #deadlineAt = Infinity;
  /** Per peer, the seqs of its latest heartbeats accepted (a set of claims parts is several): the other path's copy is a duplicate. */
  readonly #recentSeqs = new Map<string, { incarnation: string; seqs: number[] }>();
  #closed = false;

  constructor(options: LivenessMeshOptions) {
    super();
    this.node = options.node;
    this.#keys = keyRing(options.key);
    this.#keyOverlapMs = options.keyOverlapMs ?? DEFAULT_KEY_OVERLAP_MS;
    this.#cfg = {
      timeoutMs: options.timeoutMs ?? DEFAULT_LIVENESS.timeoutMs,
      riseCount: options.riseCount ?? DEFAULT_LIVENESS.riseCount,
      maxClockSkewMs: options.maxClockSkewMs ?? DEFAULT_LIVENESS.maxClockSkewMs,
    };
    this.#intervalMs = options.intervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.#port = options.port;
    this.#bindAddress = options.bindAddress;
    this.#links = options.links ?? (() => []);
    this.#claims = options.claims;
    this.#ready = options.ready ?? (() => true);
    this.#sendFrame = options.sendFrame;
    this.#clock = options.clock ?? systemClock;
    this.#socket = dgram.createSocket({ type: isIPv6(options.bindAddress) ? 'udp6' : 'udp4', reuseAddr: false });
    this.#socket.on('message', (msg, rinfo) => this.#receive(msg, rinfo.address));
    this.#socket.on('error', () => this.#count('send-failed', this.#bindAddress));
    this.setPeers(options.peers);
  }

  /** Binds and starts sending; resolves once the socket listens. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#socket.once('error', reject);
      this.#socket.bind({ address: this.#bindAddress, port: this.#port, exclusive: true }, () => {
        this.#socket.off('error', reject);
        resolve();
      });
    });
    void this.#sendAll();
    let due = performance.now() + this.#intervalMs;
    this.#timers.push(
      setInterval(() => {
        this.#noteLag(performance.now() - due);
        due = performance.now() + this.#intervalMs;
        void this.#sendAll();
      }, this.#intervalMs),
    );
    // Backstop only: deaths are found by the precise deadline timer (#scheduleCheck).
    let backstopDue = performance.now() + this.#cfg.timeoutMs;
    this.#timers.push(
      setInterval(() => {
        const lag = performance.now() - backstopDue;
        backstopDue = performance.now() + this.#cfg.timeoutMs;
        this.#checkAfterTimer(lag);
      }, this.#cfg.timeoutMs),
    );
    this.#scheduleCheck();
  }

  /** The watch set (= the send set); state of peers still watched is kept. */
  setPeers(peers: readonly LivenessPeer[]): void {
    this.#peers = peers.filter((p) => p.node !== this.node);
    this.#state = watchPeers(this.#state, new Set(this.#peers.map((p) => p.node)));
  }

  /** A new shared key (the Secret changed): accepted now, signing after the overlap; peers stay alive throughout. */
  setKey(key: Uint8Array): void {
    this.#keys = rotate(this.#keys, key, this.#clock.now(), this.#keyOverlapMs);
  }

  liveSet(): Set<string> {
    return liveNodes(this.#state);
  }

  /** Alive peers that are done starting (older speakers always are): IPs may move to them. */
  readySet(): Set<string> {
    return readyNodes(this.#state);
  }

  /** Peers that said they were leaving and have not come back: gone, not cut off. */
  leftSet(): Set<string> {
    return leftNodes(this.#state);
  }

  /** Peers heard since start (any status), with whether they said they are ready. */
  heardReady(node: string): boolean | undefined {
    const peer = this.#state.get(node);
    return peer && peer.status !== 'unknown' ? peer.ready : undefined;
  }

  /** Interfaces (and MACs) each peer last advertised, dead ones too: a claim on the wire proves them alive. */
  peerLinks(): Map<string, readonly HeartbeatLink[]> {
    return new Map([...this.#state].filter(([, p]) => p.status !== 'unknown').map(([node, p]) => [node, p.links]));
  }

  /** Peers whose claims count: alive until the check declares them dead, or dead and heard within the timeout (rising again). */
  heardSet(): Set<string> {
    return heardPeers(this.#state, this.#clock.now(), this.#cfg);
  }

  /** Heard peers whose claims came only in parts so far: they may answer IPs not listed yet. */
  partlyKnownSet(): Set<string> {
    return partlyKnownPeers(this.#state, this.#clock.now(), this.#cfg);
  }

  /** What each heard peer (`heardSet`) says it answers: the claims conflicts are settled by. */
  peerClaims(): Map<string, ReadonlySet<string>> {
    return freshClaims(this.#state, this.#clock.now(), this.#cfg);
  }

  /** Sends a heartbeat now (our claims changed): peers settle a handover in one trip, not one interval. */
  announceNow(): void {
    if (!this.#closed && this.#timers.length > 0) void this.#sendAll();
  }

  /**
   * A heartbeat that arrived as an Ethernet frame from `sourceMac`: accepted like a UDP one,
   * if the sender lists that MAC among its links.
   */
  receiveFrame(payload: Uint8Array, sourceMac: string): void {
    if (this.#closed) return;
    const length = payload.length >= 8 ? Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).readUInt16BE(6) : 0;
    const bytes = payload.subarray(0, Math.min(payload.length, 40 + length)); // Ethernet may pad
    this.#accept(bytes, sourceMac, (hb) => hb.links.some((l) => l.mac.toLowerCase() === sourceMac.toLowerCase()), true);
  }

  /**
   * Says we are leaving (the caller stopped answering first, so the claims are empty), waits
   * for the datagrams to leave, and closes. Peers take our IPs on this, not at the timeout.
   */
  async leave(timeoutMs = 200): Promise<void> {
    if (this.#closed) return;
    if (this.#timers.length > 0) {
      const sends: Promise<void>[] = [];
      // Twice: one lost datagram must not turn a clean exit into a timeout.
      for (let i = 0; i < 2; i++) sends.push(...this.#sendAll('leaving'));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(sends), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.close();
  }

  stats(): LivenessStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } };
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    for (const t of this.#timers.splice(0)) clearInterval(t);
    try {
      this.#socket.close();
    } catch {
      // not bound or already closed
    }
  }

  /** Sends our heartbeat(s) to every peer and as frames; the promises settle when each datagram left. */
  #sendAll(leaving?: 'leaving'): Promise<void>[] {
    const phase: HeartbeatPhase | undefined = leaving ?? (this.#ready() ? undefined : 'starting');
    const claims = leaving ? [] : this.#claims?.();
    const wires = encodeHeartbeats(
      { node: this.node, incarnation: this.incarnation, sentAt: this.#clock.now(), links: this.#links(), ...(claims ? { claims } : {}), ...(phase ? { phase } : {}) },
      () => this.#seq++,
      signingKey(this.#keys, this.#clock.now()),
    );
    const sent: Promise<void>[] = [];
    for (const wire of wires) {
      try {
        this.#sendFrame?.(wire);
      } catch {
        this.#count('send-failed', 'ethernet');
      }
      for (const peer of this.#peers) {
        sent.push(new Promise((resolve) => this.#socket.send(wire, this.#port, peer.address, (err) => {
          if (err) this.#count('send-failed', peer.address);
          else this.#stats.sent++;
          resolve();
        })));
      }
    }
    return sent;
  }

  #receive(msg: Buffer, from: string): void {
    this.#accept(msg, from, (hb) => this.#peers.some((p) => p.node === hb.node && p.address === from), false);
  }

  #accept(msg: Uint8Array, from: string, fromPeer: (hb: Heartbeat) => boolean, frame: boolean): void {
    const decoded = decodeHeartbeat(msg, acceptedKeys(this.#keys, this.#clock.now()));
    if (!decoded.ok) return this.#count(decoded.reason, from);
    const hb = decoded.value;
    if (this.#state.has(hb.node) && !fromPeer(hb)) return this.#count('wrong-source', from);
    const before = this.#state.get(hb.node);
    const now = this.#clock.now();
    const step = onHeartbeat(this.#state, hb, now, this.#cfg);
    if (step.rejected === 'replayed' && this.#seen(hb)) {
      this.#stats.duplicates++; // the copy that took the other path
      return;
    }
    if (step.rejected) return this.#count(step.rejected, from);
    this.#remember(hb);
    this.#stats.accepted++;
    if (frame) this.#stats.acceptedFrames++;
    this.#apply(step);
    const after = step.state.get(hb.node);
    if (before?.status === 'alive' && after?.status === 'alive' && !sameLinks(before.links, hb.links)) {
      this.emit('links', hb.node, hb.links);
    }
    if (before?.status === 'alive' && after?.status === 'alive' && before.ready !== after.ready) this.emit('ready', hb.node, after.ready);
    const silent = !before || now - before.heardAt > this.#cfg.timeoutMs;
    const claims = after ? claimsOf(after) : undefined;
    if (silent || !sameClaims(before ? claimsOf(before) : undefined, claims)) this.emit('claims', hb.node, claims ?? []);
  }

  #seen(hb: Heartbeat): boolean {
    const recent = this.#recentSeqs.get(hb.node);
    return recent?.incarnation === hb.incarnation && recent.seqs.includes(hb.seq);
  }

  #remember(hb: Heartbeat): void {
    const recent = this.#recentSeqs.get(hb.node);
    if (recent?.incarnation !== hb.incarnation) return void this.#recentSeqs.set(hb.node, { incarnation: hb.incarnation, seqs: [hb.seq] });
    recent.seqs.push(hb.seq);
    if (recent.seqs.length > MAX_CLAIM_PARTS) recent.seqs.shift();
  }

  #apply({ state, transitions }: Step): void {
    this.#state = state;
    for (const { node, to, left } of transitions) {
      if (to === 'alive') this.emit('alive', node);
      else {
        if (left) this.#stats.departures++;
        else this.#stats.deaths++;
        this.emit('dead', node, left === true);
      }
    }
    this.#scheduleCheck();
  }

  /**
   * One timer at the earliest moment a peer could time out (its last heartbeat + timeout),
   * so a death is seen within ~1 ms of the deadline instead of a polling period.
   */
  #scheduleCheck(): void {
    if (this.#closed || this.#timers.length === 0) return;
    const at = nextDeadline(this.#state, this.#cfg);
    if (at === undefined) return;
    // A pending earlier check reschedules itself when it runs; heartbeats only move deadlines later.
    if (this.#deadlineTimer && this.#deadlineAt <= at) return;
    clearTimeout(this.#deadlineTimer);
    this.#deadlineAt = at;
    const dueAt = performance.now() + Math.max(0, at - this.#clock.now());
    this.#deadlineTimer = setTimeout(() => {
      this.#deadlineTimer = undefined;
      this.#checkAfterTimer(performance.now() - dueAt);
    }, Math.max(0, at - this.#clock.now()));
  }

  /**
   * Checks after this loop turn's I/O poll, so heartbeats that queued while our own loop
   * was stalled are read first. If the timer itself fired late (we were starved of CPU),
   * peers sharing our host were likely starved as long and have not sent yet: give them
   * as long again (at most one interval) before any verdict. Costs nothing when on time.
   */
  #checkAfterTimer(lagMs: number): void {
    this.#noteLag(lagMs);
    if (lagMs > STALL_MS) {
      this.#stats.deferredChecks++;
      setTimeout(() => setImmediate(() => this.#check()), Math.min(lagMs, this.#intervalMs));
      return;
    }
    setImmediate(() => this.#check());
  }

  #check(): void {
    if (this.#closed) return;
    this.#apply(onTick(this.#state, this.#clock.now(), this.#cfg));
  }

  #noteLag(lagMs: number): void {
    if (lagMs > this.#stats.maxTimerLagMs) this.#stats.maxTimerLagMs = lagMs;
    if (lagMs > STALL_MS) this.emit('stalled', lagMs);
  }

  #count(reason: DropReason, from: string): void {
    this.#stats.dropped[reason] = (this.#stats.dropped[reason] ?? 0) + 1;
    this.emit('dropped', reason, from);
  }
}

function sameClaims(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return (a ?? []).length === (b ?? []).length && (a ?? []).every((ip, i) => ip === b?.[i]);
}

function sameLinks(a: readonly HeartbeatLink[], b: readonly HeartbeatLink[]): boolean {
  return a.length === b.length && a.every((l, i) => l.name === b[i]?.name && l.mac === b[i]?.mac && (l.up !== false) === (b[i]?.up !== false));
}
