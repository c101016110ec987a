// All BFD sessions of one speaker: the shared listening sockets (one per family, opened on
// first use), demultiplexing by Your Discriminator (or by source address while it is 0),
// discriminator allocation, and session add / update / remove.
import { randomInt } from 'node:crypto';
import { type Family, canonicalIp } from '../../lib/ip/index.ts';
import type { Logger } from '../../lib/log/index.ts';
import { type Clock, monotonicClock } from '../../lib/time/index.ts';
import { BfdStats } from './metrics.ts';
import { decodeControlPacket, type PacketErrorKind } from './packet.ts';
import type { BFDProfileSpec } from '../../lib/config/index.ts';
import { minimumReceiveTtl, toSessionConfig, validateProfile } from './profile.ts';
import { BfdSession } from './session.ts';
import { BFD_CONTROL_PORT, BfdListener, BfdSender, familyOf, type ReceivedDatagram } from './transport.ts';

export interface BfdManagerOptions {
  /** Port to listen on; default 3784. Tests pass 0 (any free port) to run two managers in one namespace. */
  port?: number;
  stats?: BfdStats;
  logger?: Logger;
  /** Default: monotonic time, so an NTP step neither fakes nor hides a detection timeout. */
  clock?: Clock;
  random?: () => number;
  /** How a session waits for the I/O already pending before it judges a deadline; default setImmediate. */
  afterPendingIo?: (fn: () => void) => void;
}

export interface AddSessionOptions {
  peer: string;
  local: string;
  profile?: BFDProfileSpec;
  /** The peer's control port; default 3784 (tests only). */
  remotePort?: number;
}

const canonical = (address: string): string => {
  const text = canonicalIp(address);
  if (text === undefined) throw new Error(`BFD: ${JSON.stringify(address)} is not an IP address`);
  return text;
};

export class BfdManager {
  readonly stats: BfdStats;
  /** Packets dropped before reaching a session, by reason; also in `stats`. */
  readonly dropped = new Map<PacketErrorKind | 'unknownSession', number>();
  readonly #port: number;
  readonly #logger: Logger | undefined;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #afterPendingIo: (fn: () => void) => void;
  readonly #listeners = new Map<Family, Promise<BfdListener>>();
  readonly #byDiscr = new Map<number, BfdSession>();
  readonly #byPeer = new Map<string, BfdSession[]>();

  constructor(opts: BfdManagerOptions = {}) {
    this.#port = opts.port ?? BFD_CONTROL_PORT;
    this.stats = opts.stats ?? new BfdStats();
    this.#logger = opts.logger;
    this.#clock = opts.clock ?? monotonicClock;
    this.#random = opts.random ?? Math.random;
    this.#afterPendingIo = opts.afterPendingIo ?? ((fn) => void setImmediate(fn));
  }

  /** The bound listening port of a family (useful when constructed with port 0). */
  async listenPort(family: Family): Promise<number> {
    return (await this.#listener(family)).port;
  }

  async addSession(opts: AddSessionOptions): Promise<BfdSession> {
    const peer = canonical(opts.peer);
    const local = canonical(opts.local);
    const family = familyOf(peer);
    if (familyOf(local) !== family) throw new Error(`BFD: peer ${peer} and local ${local} are of different families`);
    const profile = opts.profile ?? {};
    const problems = validateProfile(profile);
    if (problems.length > 0) throw new Error(`BFD profile for ${peer}: ${problems.join('; ')}`);
    if (this.session(peer, local)) throw new Error(`BFD: a session ${local} → ${peer} already exists`);

    await this.#listener(family);
    const sender = await BfdSender.open(local, (err) => this.#logger?.warn('bfd_socket_error', { peer, err }), this.#random);
    const session = new BfdSession(
      { peer, local, remotePort: opts.remotePort ?? BFD_CONTROL_PORT, localDiscr: this.#newDiscriminator(), config: toSessionConfig(profile), minRxTtl: minimumReceiveTtl(profile) },
      { sender, stats: this.stats, logger: this.#logger, clock: this.#clock, random: this.#random, afterPendingIo: this.#afterPendingIo },
    );
    this.#byDiscr.set(session.localDiscriminator, session);
    this.#byPeer.set(peer, [...(this.#byPeer.get(peer) ?? []), session]);
    this.stats.sessionAdded(peer);
    this.#logger?.info('bfd_session_added', { peer, local, sourcePort: sender.sourcePort, discriminator: session.localDiscriminator, profile });
    session.start();
    return session;
  }

  session(peer: string, local?: string): BfdSession | undefined {
    const list = this.#byPeer.get(canonical(peer)) ?? [];
    return local === undefined ? list[0] : list.find((s) => s.local === canonical(local));
  }

  get sessions(): BfdSession[] {
    return [...this.#byDiscr.values()];
  }

  /** New intervals / multiplier / passive mode; while Up, interval changes run a Poll Sequence. */
  updateProfile(session: BfdSession, profile: BFDProfileSpec): void {
    const problems = validateProfile(profile);
    if (problems.length > 0) throw new Error(`BFD profile for ${session.peer}: ${problems.join('; ')}`);
    session.configure(toSessionConfig(profile));
  }

  /** Tells the peer AdminDown (diag 7), then forgets the session. */
  async removeSession(session: BfdSession): Promise<void> {
    this.#forget(session);
    await session.shutdown();
  }

  /** Closes every session (AdminDown to each peer unless `silently`) and the listeners. */
  async close({ silently = false } = {}): Promise<void> {
    const sessions = this.sessions;
    sessions.forEach((s) => this.#forget(s));
    await Promise.all(sessions.map((s) => (silently ? s.close() : s.shutdown())));
    const listeners = await Promise.allSettled(this.#listeners.values());
    this.#listeners.clear();
    await Promise.all(listeners.map((l) => (l.status === 'fulfilled' ? l.value.close() : undefined)));
  }

  #forget(session: BfdSession): void {
    if (this.#byDiscr.get(session.localDiscriminator) !== session) return;
    this.#byDiscr.delete(session.localDiscriminator);
    const rest = (this.#byPeer.get(session.peer) ?? []).filter((s) => s !== session);
    if (rest.length > 0) this.#byPeer.set(session.peer, rest);
    else this.#byPeer.delete(session.peer);
    this.stats.sessionRemoved(session.peer);
  }

  #listener(family: Family): Promise<BfdListener> {
    let listener = this.#listeners.get(family);
    if (!listener) {
      listener = BfdListener.open(family, this.#port, (d) => this.#onDatagram(d), (err) => this.#logger?.error('bfd_listener_error', { family, err }));
      this.#listeners.set(family, listener);
      listener.catch(() => this.#listeners.delete(family)); // let a later addSession retry
    }
    return listener;
  }

  #onDatagram(d: ReceivedDatagram): void {
    const decoded = decodeControlPacket(d.data);
    if (!decoded.ok) {
      this.#drop(decoded.error.kind, d, decoded.error.message);
      return;
    }
    const { packet } = decoded;
    // Your Discriminator 0 (RFC 5880 §6.8.6): by source address, but never into an Up session that
    // knows the peer by another My Discriminator: that is the peer's session to another of our
    // addresses (the listener cannot see the destination address). A restarted peer session
    // reaches ours once it has left Up by detection time.
    const session =
      packet.yourDiscriminator !== 0
        ? this.#byDiscr.get(packet.yourDiscriminator)
        : this.#byPeer.get(d.from)?.find((s) => s.state !== 'Up' || s.remoteDiscriminator === packet.myDiscriminator);
    // Single hop: a packet that names a session must come from that session's peer.
    if (!session || session.peer !== d.from) {
      this.#drop('unknownSession', d, `no session for Your Discriminator ${packet.yourDiscriminator}`);
      return;
    }
    this.stats.controlPacketInput(session.peer);
    session.receive(packet, d.ttl);
  }

  #drop(reason: PacketErrorKind | 'unknownSession', d: ReceivedDatagram, message: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
    this.stats.packetDropped(reason);
    this.#logger?.debug('bfd_packet_dropped', { from: d.from, fromPort: d.fromPort, reason, msg: message });
  }

  #newDiscriminator(): number {
    for (;;) {
      const discr = randomInt(1, 2 ** 32);
      if (!this.#byDiscr.has(discr)) return discr;
    }
  }
}
