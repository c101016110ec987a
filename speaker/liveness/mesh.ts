// The UDP side of liveness: sends a signed heartbeat to every watched peer each
// interval and feeds what arrives into the pure FSM. Symmetric by design: the peers we
// watch are the peers we send to (a node that could succeed us watches us, and we it).
// Bind to the node's address on the announcing segment, so heartbeats share the fate
// of ARP/NDP on that segment (see speaker/l2/README.md).
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import { decodeHeartbeat, encodeHeartbeat, type HeartbeatDropReason, type HeartbeatLink } from './heartbeat.ts';
import {
  DEFAULT_LIVENESS,
  liveNodes,
  onHeartbeat,
  onTick,
  watchPeers,
  type HeartbeatRejection,
  type LivenessConfig,
  type LivenessState,
  type Step,
} from './liveness-fsm.ts';

export interface LivenessPeer {
  node: string;
  /** The peer's address on the segment (a Node's InternalIP); a node may have several. */
  address: string;
}

export interface LivenessMeshOptions extends Partial<LivenessConfig> {
  node: string;
  /** Shared HMAC key (from a Secret), raw bytes. */
  key: Uint8Array;
  port: number;
  /** This node's address on the segment; also picks the socket family. */
  bindAddress: string;
  peers: readonly LivenessPeer[];
  /** Default 100 ms. */
  intervalMs?: number;
  /** Interfaces we announce on and consider up, sent in each heartbeat. */
  links?: () => HeartbeatLink[];
  clock?: () => number;
}

export type DropReason = HeartbeatDropReason | HeartbeatRejection | 'wrong-source' | 'send-failed';

export interface LivenessStats {
  sent: number;
  accepted: number;
  dropped: Partial<Record<DropReason, number>>;
}

interface MeshEvents {
  alive: [node: string];
  dead: [node: string];
  dropped: [reason: DropReason, from: string];
}

export class LivenessMesh extends EventEmitter<MeshEvents> {
  readonly node: string;
  readonly incarnation = randomBytes(8).toString('hex');
  readonly #key: Uint8Array;
  readonly #cfg: LivenessConfig;
  readonly #intervalMs: number;
  readonly #port: number;
  readonly #bindAddress: string;
  readonly #links: () => HeartbeatLink[];
  readonly #clock: () => number;
  readonly #stats: LivenessStats = { sent: 0, accepted: 0, dropped: {} };
  readonly #socket: dgram.Socket;
  #peers: readonly LivenessPeer[] = [];
  #state: LivenessState = new Map();
  #seq = 0;
  #timers: NodeJS.Timeout[] = [];

  constructor(options: LivenessMeshOptions) {
    super();
    this.node = options.node;
    this.#key = options.key;
    this.#cfg = {
      timeoutMs: options.timeoutMs ?? DEFAULT_LIVENESS.timeoutMs,
      riseCount: options.riseCount ?? DEFAULT_LIVENESS.riseCount,
      maxClockSkewMs: options.maxClockSkewMs ?? DEFAULT_LIVENESS.maxClockSkewMs,
    };
    this.#intervalMs = options.intervalMs ?? 100;
    this.#port = options.port;
    this.#bindAddress = options.bindAddress;
    this.#links = options.links ?? (() => []);
    this.#clock = options.clock ?? Date.now;
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
    this.#sendAll();
    this.#timers.push(setInterval(() => this.#sendAll(), this.#intervalMs));
    // Checks at 1/16 of the timeout: a dead peer is noticed within timeout + 6 %.
    this.#timers.push(setInterval(() => this.#apply(onTick(this.#state, this.#clock(), this.#cfg)), Math.max(5, this.#cfg.timeoutMs / 16)));
  }

  /** The watch set (= the send set); state of peers still watched is kept. */
  setPeers(peers: readonly LivenessPeer[]): void {
    this.#peers = peers.filter((p) => p.node !== this.node);
    this.#state = watchPeers(this.#state, new Set(this.#peers.map((p) => p.node)));
  }

  liveSet(): Set<string> {
    return liveNodes(this.#state);
  }

  /** Interfaces (and MACs) each peer last advertised, dead ones too: a claim on the wire proves them alive. */
  peerLinks(): Map<string, readonly HeartbeatLink[]> {
    return new Map([...this.#state].filter(([, p]) => p.status !== 'unknown').map(([node, p]) => [node, p.links]));
  }

  stats(): LivenessStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } };
  }

  close(): void {
    for (const t of this.#timers.splice(0)) clearInterval(t);
    try {
      this.#socket.close();
    } catch {
      // not bound or already closed
    }
  }

  #sendAll(): void {
    const wire = encodeHeartbeat(
      { node: this.node, incarnation: this.incarnation, seq: this.#seq++, sentAt: this.#clock(), links: this.#links() },
      this.#key,
    );
    for (const peer of this.#peers) {
      this.#socket.send(wire, this.#port, peer.address, (err) => {
        if (err) this.#count('send-failed', peer.address);
        else this.#stats.sent++;
      });
    }
  }

  #receive(msg: Buffer, from: string): void {
    const decoded = decodeHeartbeat(msg, this.#key);
    if (!decoded.ok) return this.#count(decoded.reason, from);
    const hb = decoded.value;
    if (this.#state.has(hb.node) && !this.#peers.some((p) => p.node === hb.node && p.address === from)) {
      return this.#count('wrong-source', from);
    }
    const step = onHeartbeat(this.#state, hb, this.#clock(), this.#cfg);
    if (step.rejected) return this.#count(step.rejected, from);
    this.#stats.accepted++;
    this.#apply(step);
  }

  #apply({ state, transitions }: Step): void {
    this.#state = state;
    for (const { node, to } of transitions) this.emit(to, node);
  }

  #count(reason: DropReason, from: string): void {
    this.#stats.dropped[reason] = (this.#stats.dropped[reason] ?? 0) + 1;
    this.emit('dropped', reason, from);
  }
}
