// BFD for BGP peers (RFC 5882): one BFD session per peer with a bfdProfile, from the BGP
// session's local address to the peer address. BFD leaving Up tears the BGP session down at
// once, unless the peer said AdminDown (§3.2: that is no failure of the path).
import { performance } from 'node:perf_hooks';
import type { BfdProfile, BFDProfileSpec } from '../../lib/config/index.ts';
import type { Logger } from '../../lib/log/index.ts';
import type { BfdManager } from '../bfd/manager.ts';
import type { BfdState } from '../bfd/packet.ts';
import { toSessionConfig, validateProfile } from '../bfd/profile.ts';
import type { BfdSession, StateChange } from '../bfd/session.ts';
import { remoteDetectionTimeMs } from '../bfd/session-fsm.ts';
import { transmitIntervalUs } from '../bfd/timing.ts';
import type { BgpStats } from './metrics.ts';

export interface BfdLinkOptions {
  bfd: BfdManager;
  /** Tears the BGP session of `peer` down now (it reconnects after its backoff). */
  reset: (peer: string, reason: string) => void;
  /** Every state change of a peer's BFD session, for events and tests. */
  onState?: (peer: string, change: StateChange) => void;
  logger?: Logger;
  stats?: BgpStats;
}

/** What PeerStatus shows about a peer's BFD. */
export interface BfdPeerStatus {
  profile: string;
  state: BfdState | 'NoSession';
  /** Why no BFD session runs (the BGP session runs without it). */
  error?: string;
}

interface Entry {
  profileName: string;
  profile: BFDProfileSpec;
  key: string;
  error?: string;
  endpoints?: string; // `${peer}|${local}` of the session made or being made
  session?: BfdSession;
  queue: Promise<void>; // serialises add / update / remove of this peer's session
}

/** The BFD package's profile for a BFDProfile from the config (echo mode kept, so it is reported). */
export function bfdProfileFromConfig(p: BfdProfile): BFDProfileSpec {
  return {
    receiveInterval: p.receiveIntervalMs,
    transmitInterval: p.transmitIntervalMs,
    detectMultiplier: p.detectMultiplier,
    passiveMode: p.passiveMode,
    ...(p.echoMode ? { echoMode: true } : {}),
  };
}

export class BfdLink {
  private readonly opts: BfdLinkOptions;
  private readonly entries = new Map<string, Entry>();

  constructor(opts: BfdLinkOptions) {
    this.opts = opts;
  }

  /**
   * The profile `peer` should run BFD with (undefined: no BFD). A changed profile on a running
   * session is applied in place (a Poll Sequence). Returns the reason when it cannot be used.
   */
  configure(peer: string, config: BfdProfile | undefined): string | undefined {
    if (!config) {
      this.remove(peer);
      return undefined;
    }
    const profile = bfdProfileFromConfig(config);
    const key = JSON.stringify(profile);
    const entry = this.entries.get(peer);
    if (entry?.key === key) return entry.error;
    const problems = validateProfile(profile);
    if (problems.length > 0) {
      const error = `BFD profile ${config.name}: ${problems.join('; ')} (the BGP session runs without BFD)`;
      this.remove(peer);
      this.entries.set(peer, { profileName: config.name, profile, key, error, queue: Promise.resolve() });
      this.opts.logger?.warn('bfd_profile_invalid', { peer, profile: config.name, msg: error });
      return error;
    }
    if (!entry || entry.error) {
      if (entry) this.remove(peer);
      this.entries.set(peer, { profileName: config.name, profile, key, queue: Promise.resolve() });
      return undefined;
    }
    Object.assign(entry, { profileName: config.name, profile, key });
    this.enqueue(entry, async () => {
      if (!entry.session) return;
      this.opts.bfd.updateProfile(entry.session, profile);
      this.opts.logger?.info('bfd_profile_updated', { peer, profile: config.name, msg: 'BFD profile changed: polling the peer with the new intervals' });
    });
    return undefined;
  }

  /** The BGP session of `peer` is Established from `local`: make (or move) its BFD session. */
  established(peer: string, peerAddress: string, local: string | undefined): void {
    const entry = this.entries.get(peer);
    if (!entry || entry.error || !local) return;
    const endpoints = `${peerAddress}|${local}`;
    if (entry.endpoints === endpoints) return;
    entry.endpoints = endpoints;
    this.enqueue(entry, async () => {
      if (entry.session) await this.opts.bfd.removeSession(entry.session);
      delete entry.session;
      try {
        const session = await this.opts.bfd.addSession({ peer: peerAddress, local, profile: entry.profile });
        if (this.entries.get(peer) !== entry || entry.endpoints !== endpoints) {
          await this.opts.bfd.removeSession(session); // removed or moved meanwhile
          return;
        }
        entry.session = session;
        this.watch(peer, session);
      } catch (err) {
        delete entry.endpoints; // the next Established retries
        this.opts.logger?.warn('bfd_session_failed', { peer, err, msg: `cannot start BFD with ${peerAddress} from ${local}` });
      }
    });
  }

  /**
   * How long after our last packet the router has surely found a BFD session of ours down, by
   * the peer's profile: its detection time (Detect Mult × the slower interval) and one interval
   * more. undefined: no BFD for the peer. A router that asks for a slower interval than our
   * profile's takes longer: this is our side's estimate.
   */
  downAfterMs(peer: string): number | undefined {
    const e = this.entries.get(peer);
    if (!e || e.error) return undefined;
    const c = toSessionConfig(e.profile);
    return ((c.detectMult + 1) * Math.max(c.desiredMinTxUs, c.requiredMinRxUs)) / 1000;
  }

  /**
   * The same, as the router and this session agreed it (the router may have asked for a slower
   * interval than our profile's): its detection time of us and one interval more, as it stands
   * (right after Up, until the Poll Sequence to our fast rate ends, the slow rate's). undefined
   * unless the session is Up. What the restart marker keeps for the next speaker.
   */
  routerDownAfterMs(peer: string): number | undefined {
    const s = this.entries.get(peer)?.session;
    if (s?.state !== 'Up') return undefined;
    const fsm = s.snapshot;
    return remoteDetectionTimeMs(fsm) + transmitIntervalUs(fsm.effective.desiredMinTxUs, fsm.remote.minRxUs) / 1000;
  }

  status(peer: string): BfdPeerStatus | undefined {
    const e = this.entries.get(peer);
    if (!e) return undefined;
    return { profile: e.profileName, state: e.session?.state ?? 'NoSession', ...(e.error ? { error: e.error } : {}) };
  }

  remove(peer: string, { silently = false } = {}): Promise<void> {
    const entry = this.entries.get(peer);
    if (!entry) return Promise.resolve();
    this.entries.delete(peer);
    return this.enqueue(entry, async () => {
      const s = entry.session;
      delete entry.session;
      if (s && silently) await s.close();
      else if (s) await this.opts.bfd.removeSession(s);
    });
  }

  /** Removes every session: AdminDown to each peer, or nothing at all when `silently` (a restart). */
  async close({ silently = false } = {}): Promise<void> {
    await Promise.all([...this.entries.keys()].map((p) => this.remove(p, { silently })));
  }

  private watch(peer: string, session: BfdSession): void {
    const current = () => this.entries.get(peer)?.session === session;
    session.on('stateChange', (change) => {
      if (current()) this.opts.onState?.(peer, change);
    });
    session.on('down', (change) => {
      if (!current()) return;
      if (session.snapshot.remote.state === 'AdminDown') {
        this.opts.logger?.info('bfd_peer_admin_down', { peer, msg: 'BFD peer went AdminDown: keeping the BGP session (RFC 5882 §3.2)' });
        return;
      }
      const t0 = performance.now();
      const reason = `BFD session down (${change.diagName})`;
      this.opts.reset(peer, reason);
      const seconds = (performance.now() - t0) / 1000;
      this.opts.stats?.bfdDownToTeardown(peer, seconds);
      this.opts.logger?.warn('bfd_down', { peer, diag: change.diag, teardownMs: seconds * 1000, msg: `${reason}: BGP session torn down` });
    });
  }

  private enqueue(entry: Entry, task: () => Promise<void>): Promise<void> {
    entry.queue = entry.queue.then(task).catch((err: unknown) => this.opts.logger?.warn('bfd_link_error', { err }));
    return entry.queue;
  }
}
