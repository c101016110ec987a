// Layer-2 announcing for one interface set (an L2Advertisement's interfaces, or 'all'):
// answers ARP / NDP only for the IPs it is told it owns, announces newly owned IPs at
// once and again on a schedule, and reasserts (at most once a second per IP) when another
// MAC claims an owned IP on the wire. It never yields to a frame: which IPs to answer is
// decided from the authenticated heartbeats (conflict.ts, ownership.ts), not here.
import { canonicalIp } from '../../lib/ip/index.ts';
import { type Clock, systemClock } from '../../lib/time/index.ts';
import type { HeartbeatLink } from '../liveness/heartbeat.ts';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_LIVENESS } from '../liveness/liveness-fsm.ts';
import { AnswerLimiter, type AnswerLimit } from './answer-limit.ts';
import { eligibleInterfaces, type EligibleInterfaces } from './eligible-interfaces.ts';
import { linkUsableNow } from './interface-info.ts';
import { L2Stats, type L2Counters } from './l2-stats.ts';
import { LinkResponder, nativeL2Sockets, type L2SocketFactory } from './link-responder.ts';

export const DEFAULT_ANNOUNCE_SCHEDULE_MS: readonly number[] = [0, 250, 1000, 2000];
export const DEFAULT_LINK_POLL_MS = 50;
/** Long enough for dead-marked peers to rise again (riseCount heartbeats) before we claim. */
export const DEFAULT_LINK_HOLD_DOWN_MS = DEFAULT_LIVENESS.timeoutMs + DEFAULT_LIVENESS.riseCount * DEFAULT_HEARTBEAT_INTERVAL_MS;

export interface ClaimEvent {
  ip: string;
  /** The MAC that claimed it. */
  mac: string;
  ifname: string;
}

export interface L2ResponderOptions {
  interfaces: readonly string[] | 'all';
  /** Offsets (ms after taking an IP) of gratuitous ARP / unsolicited NA; default 0, 250, 1000, 2000. */
  announceScheduleMs?: readonly number[];
  counters?: L2Counters;
  sockets?: L2SocketFactory;
  discover?: (allowed: readonly string[] | 'all') => Promise<EligibleInterfaces>;
  /** An interface cannot be used or a send failed; the speaker makes it an announceFailed event. */
  onAnnounceFailed?: (ifname: string, reason: string) => void;
  /** Another MAC claimed an owned IP on the wire (we reassert; told for logging). */
  onClaim?: (claim: ClaimEvent) => void;
  /** Another host's frame arrived on an interface (evidence the segment reaches us). */
  onSegmentFrame?: () => void;
  /** A heartbeat arrived as an Ethernet frame: hand it to the liveness mesh. */
  onHeartbeatFrame?: (payload: Uint8Array, sourceMac: string) => void;
  /** Answers per source (sender MAC + IP) of ARP requests and NS; default DEFAULT_ANSWER_LIMIT (burst 10, 10/s). */
  answerLimit?: AnswerLimit;
  /** At most one reassertion per IP in this long; default 1000 ms. */
  reassertIntervalMs?: number;
  /** How often link state (admin up + carrier) is checked; default 50 ms, 0 = never (call refreshInterfaces). */
  linkPollMs?: number;
  /**
   * A link that went down after start is not used again until it has been back up this
   * long, so we hear the peers (who marked us dead) before claiming anything; default
   * timeout + riseCount × interval of the default liveness.
   */
  linkHoldDownMs?: number;
  /** linkStates() changed (a link went down, came back, or finished its hold-down): plan again. */
  onLinksChanged?: (links: HeartbeatLink[]) => void;
  /** Test seam: is the link up with carrier right now (undefined: no such interface)? */
  probeLink?: (name: string) => boolean | undefined;
  clock?: Clock;
}

interface KnownLink {
  mac: string;
  usable: boolean;
  /** Usable again after being down, not answered on before this time. */
  holdUntil?: number;
  /** Was it ever unusable since start (then coming back means a hold-down)? */
  wentDown: boolean;
}

export class L2Responder {
  readonly counters: L2Counters;
  readonly #options: L2ResponderOptions;
  readonly #schedule: readonly number[];
  readonly #sockets: L2SocketFactory;
  readonly #links = new Map<string, LinkResponder>();
  /** What the caller says we answer. */
  #effective = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout[]>();
  readonly #reassertedAt = new Map<string, number>();
  readonly #answers: AnswerLimiter;
  /** Failures already reported, so a dead link does not flood events. */
  readonly #reported = new Set<string>();
  /** Every interface seen (open, held down or down), for linkStates() and polling. */
  readonly #known = new Map<string, KnownLink>();
  #pollTimer: NodeJS.Timeout | undefined;
  #holdTimer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;
  #lastStates = '[]';
  #closed = false;

  constructor(options: L2ResponderOptions) {
    this.#options = options;
    this.counters = options.counters ?? new L2Stats();
    this.#schedule = [...(options.announceScheduleMs ?? DEFAULT_ANNOUNCE_SCHEDULE_MS)].sort((a, b) => a - b);
    this.#sockets = options.sockets ?? nativeL2Sockets;
    this.#answers = new AnswerLimiter(options.answerLimit);
  }

  /** Finds the usable interfaces and opens sockets; call again when links change. */
  async refreshInterfaces(): Promise<void> {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#refreshAgain = false;
        await this.#refreshOnce();
      } while (this.#refreshAgain && !this.#closed);
    })().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #refreshOnce(): Promise<void> {
    const { eligible, rejected } = await (this.#options.discover ?? eligibleInterfaces)(this.#options.interfaces);
    if (this.#closed) return;
    const now = this.#clock();
    for (const { name, reason } of rejected) {
      this.#markDown(name);
      this.#failed(name, reason);
    }
    const keep = new Set<string>();
    for (const info of eligible) {
      for (const key of this.#reported) if (key.startsWith(`${info.name}\n`)) this.#reported.delete(key);
      const known = this.#known.get(info.name);
      const held = known?.wentDown === true && (known.usable ? (known.holdUntil ?? 0) : now + this.#holdDownMs);
      this.#known.set(info.name, { mac: info.mac, usable: true, wentDown: known?.wentDown ?? false, ...(held ? { holdUntil: held } : {}) });
      if (held && held > now) {
        this.#scheduleHoldEnd(held - now);
        continue;
      }
      const current = this.#links.get(info.name);
      if (current && current.link.ifindex === info.ifindex && current.link.mac === info.mac) {
        keep.add(info.name);
        continue;
      }
      current?.close();
      this.#links.delete(info.name);
      try {
        const link = new LinkResponder(info, this.#sockets, this.#context());
        this.#links.set(info.name, link);
        keep.add(info.name);
        for (const ip of this.#effective) {
          link.owned(ip);
          link.announce(ip);
        }
      } catch (err) {
        this.#failed(info.name, `cannot open raw sockets: ${(err as Error).message}`);
      }
    }
    for (const [name, link] of this.#links) {
      if (keep.has(name)) continue;
      link.close();
      this.#links.delete(name);
      if (!eligible.some((e) => e.name === name)) this.#markDown(name);
    }
    this.#statesMaybeChanged();
  }

  async start(): Promise<void> {
    await this.refreshInterfaces();
    const pollMs = this.#options.linkPollMs ?? DEFAULT_LINK_POLL_MS;
    if (pollMs > 0 && !this.#closed) this.#pollTimer = setInterval(() => this.#pollLinks(), pollMs).unref();
  }

  /**
   * The interfaces this responder is for, as heartbeats carry them: those answered on,
   * plus known ones that are down or in their hold-down (`up: false`).
   */
  linkStates(): HeartbeatLink[] {
    const out: HeartbeatLink[] = [];
    for (const [name, k] of [...this.#known].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      out.push(this.#links.has(name) ? { name, mac: this.#links.get(name)?.link.mac ?? k.mac } : { name, mac: k.mac, up: false });
    }
    return out;
  }

  /** The complete set of IPs (v4 and v6) this node owns now; unparseable ones are ignored. */
  setOwned(ips: readonly string[]): void {
    const wanted = new Set<string>();
    for (const ip of ips) {
      const key = canonicalIp(ip);
      if (key === undefined) this.counters.ignored('invalid-owned-ip');
      else wanted.add(key);
    }
    this.#apply(wanted);
  }

  /** IPs answered for now. */
  owned(): string[] {
    return [...this.#effective];
  }

  /** Sends a signed heartbeat as an Ethernet frame on every interface answered on. */
  sendHeartbeat(wire: Uint8Array): void {
    for (const link of this.#links.values()) link.sendHeartbeat(wire);
  }

  /** Interfaces answered on, with their MACs (what heartbeats advertise). */
  links(): { name: string; mac: string }[] {
    return [...this.#links.values()].map(({ link }) => ({ name: link.name, mac: link.mac }));
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#pollTimer);
    clearTimeout(this.#holdTimer);
    for (const ip of [...this.#timers.keys()]) this.#cancel(ip);
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
    this.#effective.clear();
  }

  #apply(next: Set<string>): void {
    if (this.#closed) return;
    for (const ip of this.#effective) {
      if (next.has(ip)) continue;
      this.#cancel(ip);
      for (const link of this.#links.values()) link.released(ip);
    }
    const added = [...next].filter((ip) => !this.#effective.has(ip));
    if (added.length > 0) {
      // Requests queued while a peer still answered these IPs were answered by it: not again by us.
      this.#effective = new Set([...this.#effective].filter((ip) => next.has(ip)));
      for (const link of this.#links.values()) link.drain();
    }
    this.#effective = next;
    for (const ip of added) {
      for (const link of this.#links.values()) link.owned(ip);
      this.#announceOnSchedule(ip);
    }
  }

  #announceOnSchedule(ip: string): void {
    const timers: NodeJS.Timeout[] = [];
    for (const offset of this.#schedule) {
      if (offset <= 0) this.#announce(ip);
      else timers.push(setTimeout(() => this.#announce(ip), offset).unref());
    }
    this.#timers.set(ip, timers);
  }

  #announce(ip: string): void {
    if (!this.#effective.has(ip)) return;
    for (const link of this.#links.values()) link.announce(ip);
  }

  #cancel(ip: string): void {
    for (const t of this.#timers.get(ip) ?? []) clearTimeout(t);
    this.#timers.delete(ip);
  }

  #claimSeen(claim: ClaimEvent): void {
    this.#options.onClaim?.(claim);
    this.counters.conflict(claim.ip, 'reassert');
    const now = this.#clock();
    if (now - (this.#reassertedAt.get(claim.ip) ?? -Infinity) < (this.#options.reassertIntervalMs ?? 1000)) return;
    this.#reassertedAt.set(claim.ip, now);
    this.#announce(claim.ip);
  }

  get #holdDownMs(): number {
    return this.#options.linkHoldDownMs ?? DEFAULT_LINK_HOLD_DOWN_MS;
  }

  #clock(): number {
    return (this.#options.clock ?? systemClock).now();
  }

  #markDown(name: string): void {
    const known = this.#known.get(name);
    if (known) this.#known.set(name, { mac: known.mac, usable: false, wentDown: true });
    else if (this.#options.interfaces !== 'all') this.#known.set(name, { mac: '00:00:00:00:00:00', usable: false, wentDown: true });
  }

  /** Cheap sysfs check of every known link; a change (or a named link appearing) refreshes. */
  #pollLinks(): void {
    if (this.#closed || this.#refreshing) return;
    const probe = this.#options.probeLink ?? ((name: string) => linkUsableNow(name));
    const names = new Set([...this.#known.keys(), ...(this.#options.interfaces === 'all' ? [] : this.#options.interfaces)]);
    for (const name of names) {
      const usable = probe(name) ?? false;
      if (usable !== (this.#known.get(name)?.usable ?? false)) {
        void this.refreshInterfaces().catch((err: unknown) => this.#failed(name, `refresh: ${(err as Error).message}`));
        return;
      }
    }
  }

  #scheduleHoldEnd(inMs: number): void {
    if (this.#holdTimer) return;
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = undefined;
      void this.refreshInterfaces().catch(() => undefined);
    }, inMs + 1).unref();
  }

  #statesMaybeChanged(): void {
    const states = this.linkStates();
    const text = JSON.stringify(states);
    if (text === this.#lastStates) return;
    this.#lastStates = text;
    this.#options.onLinksChanged?.(states);
  }

  #failed(ifname: string, reason: string): void {
    const key = `${ifname}\n${reason}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#options.onAnnounceFailed?.(ifname, reason);
  }

  #context() {
    return {
      owns: (ip: string) => this.#effective.has(ip),
      counters: this.counters,
      claimSeen: (ip: string, mac: string, ifname: string) => this.#claimSeen({ ip, mac, ifname }),
      failed: (ifname: string, reason: string) => this.#failed(ifname, reason),
      mayAnswer: (source: string) => this.#answers.allow(source, this.#clock()),
      frameSeen: () => this.#options.onSegmentFrame?.(),
      heartbeatFrame: (payload: Uint8Array, mac: string) => this.#options.onHeartbeatFrame?.(payload, mac),
    };
  }
}
