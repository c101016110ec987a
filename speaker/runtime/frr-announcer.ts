// The frr backend: a sidecar FRR that Portside owns (MetalLB's FRR mode). Each plan renders
// the whole frr.conf (speaker/frr/render.ts); when it changed, the speaker hands it to the
// reloader in the FRR container through the shared directory (speaker/frr/reload-files.ts,
// frr-image/reloader.sh), which applies it as a diff with frr-reload.py. Every pollMs (and
// when reload.status changes) the speaker reads the reloader's answer and FRR's sessions
// (`show bgp vrf all neighbors json`): a failed reload or an FRR that does not answer is
// BGPBackendReady=False; an FRR that lost its configuration (it restarted) gets it again.
import { watch, type FSWatcher } from 'node:fs';
import type { BgpPeer } from '../../lib/config/index.ts';
import type { Logger } from '../../lib/log/index.ts';
import type { Registry } from '../../lib/metrics/index.ts';
import { compareCodePoints } from '../../lib/order/index.ts';
import { monotonicClock, type Clock } from '../../lib/time/clock.ts';
import { parseReloadStatus, reloadError, type ReloadDir, type ReloadStatus } from '../frr/reload-files.ts';
import { neighborId, renderFrrConfig } from '../frr/render.ts';
import { frrPeerSessions, parseVrfNeighbors, type FrrPeerSession, type NeighborLookup } from '../frr/sessions.ts';
import type { Vtysh } from '../frr/vtysh.ts';
import type { BgpApply } from './bgp-announcer.ts';
import type { BgpBackend } from './bgp-backend.ts';
import { FrrSessionReports } from './frr-sessions.ts';

export interface FrrAnnouncerOptions {
  logger: Logger;
  registry: Registry;
  /** vtysh on the sidecar's vty sockets. */
  vtysh: Vtysh;
  /** The directory shared with the reloader. */
  files: ReloadDir;
  pollMs: number;
  /** A request with no answer for this long is reported (no reloader running?). Default 30 s. */
  reloadTimeoutMs?: number;
  /** Watch the directory for reload.status (default true; the poll catches it anyway). */
  watch?: boolean;
  clock?: Clock;
}

const LOST_RETRY_MIN_MS = 5_000;
const LOST_RETRY_MAX_MS = 300_000;
const SHUTDOWN_RELOAD_WAIT_MS = 5_000;

export class FrrAnnouncer implements BgpBackend {
  readonly kind = 'frr' as const;
  readonly restartTime = 0;
  private readonly opts: FrrAnnouncerOptions;
  private readonly log: Logger;
  private readonly reports: FrrSessionReports;
  private readonly clock: Clock;
  private want: BgpApply | undefined;
  private skipped: ReadonlyMap<string, string> = new Map();
  /** The last configuration handed to the reloader, and its generation. */
  private rendered: string | undefined;
  private generation = 0;
  private requestedAt = 0;
  private writing: Promise<void> = Promise.resolve();
  private status: ReloadStatus | undefined;
  private reloadProblem: string | undefined;
  private frrProblem: string | undefined;
  private writeProblem: string | undefined;
  private lostRetryMs = LOST_RETRY_MIN_MS;
  private lostAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private stopping = false;

  constructor(opts: FrrAnnouncerOptions) {
    this.opts = opts;
    this.log = opts.logger;
    this.reports = new FrrSessionReports(opts.registry);
    this.clock = opts.clock ?? monotonicClock;
  }

  get configuredPeers(): readonly BgpPeer[] {
    return this.want?.peers ?? [];
  }

  /** The generation of the last configuration handed to the reloader. */
  get requestedGeneration(): number {
    return this.generation;
  }

  async start(): Promise<void> {
    // Generations go on from the last the reloader saw: it applies a request only when the number changes.
    const [statusText, requested] = await Promise.all([this.opts.files.status().catch(() => undefined), this.opts.files.requested().catch(() => undefined)]);
    const seen = statusText === undefined ? undefined : parseReloadStatus(statusText);
    this.generation = Math.max(seen?.ok ? seen.status.generation : 0, requested ?? 0);
    this.timer = setInterval(() => this.poll(), this.opts.pollMs).unref();
    if (this.opts.watch ?? true) {
      try {
        await this.opts.files.ensure();
        this.watcher = watch(this.opts.files.dir, () => this.poll());
        this.watcher.on('error', () => this.watcher?.close());
      } catch {
        // Not watchable here: the poll reads the status all the same.
      }
    }
    this.log.info('frr_start', {
      dir: this.opts.files.dir, generation: this.generation, pollMs: this.opts.pollMs,
      msg: 'BGP through a sidecar FRR: Portside renders its whole configuration, the reloader applies it with frr-reload.py',
    });
  }

  apply(want: BgpApply): void {
    if (this.stopping) return;
    this.want = want;
    this.render(want);
  }

  sessions(): FrrPeerSession[] {
    return this.reports.views;
  }

  restartablePeers(): string[] {
    return [];
  }

  onSessionChange(listener: () => void): void {
    this.reports.onChange(listener);
  }

  onSessionUp(listener: () => void): void {
    this.reports.onUp(listener);
  }

  problem(): string | undefined {
    return this.writeProblem ?? this.reloadProblem ?? this.frrProblem;
  }

  /**
   * SIGTERM. `restart` (the node stays): FRR keeps announcing what it has; the next speaker
   * renders the same configuration. Otherwise (a drain): GRACEFUL_SHUTDOWN for graceMs, then
   * every prefix withdrawn, each applied before the exit.
   */
  async shutdown(graceMs: number, { restart = false }: { restart?: boolean } = {}): Promise<string[]> {
    clearInterval(this.timer);
    this.watcher?.close();
    await this.polling;
    const want = this.want;
    if (!restart && want && !this.stopping) {
      if (graceMs > 0) {
        this.render({ ...want, cordoned: true });
        await this.applied(SHUTDOWN_RELOAD_WAIT_MS);
        await new Promise((r) => setTimeout(r, graceMs));
      }
      this.render({ ...want, routes: new Map() });
      await this.applied(SHUTDOWN_RELOAD_WAIT_MS);
    }
    this.stopping = true;
    return [];
  }

  private render(want: BgpApply): void {
    const { config, skipped } = renderFrrConfig(want);
    this.skipped = skipped;
    for (const [peer, reason] of skipped) this.log.debug('frr_peer_skipped', { peer, reason });
    if (config === this.rendered) return;
    this.rendered = config;
    this.request(config);
  }

  /** Hands `config` to the reloader under the next generation (writes never overlap). */
  private request(config: string): void {
    const generation = ++this.generation;
    this.writing = this.writing.then(async () => {
      try {
        await this.opts.files.request(config, generation);
        this.requestedAt = this.clock.now();
        if (this.writeProblem) this.log.info('frr_config_write_ok', { msg: 'the shared configuration directory is writable again' });
        this.writeProblem = undefined;
        this.log.info('frr_config_requested', { generation, lines: config.split('\n').length });
      } catch (err) {
        const problem = `cannot write the FRR configuration to ${this.opts.files.dir}: ${(err as Error).message}`;
        if (problem !== this.writeProblem) this.log.error('frr_config_write_failed', { generation, msg: problem });
        this.writeProblem = problem;
        this.rendered = undefined; // written again at the next plan
      }
      this.poll();
    });
  }

  /** Waits (bounded) until the reloader answered the last request. */
  private async applied(timeoutMs: number): Promise<void> {
    await this.writing;
    const until = this.clock.now() + timeoutMs;
    while (this.clock.now() < until) {
      await this.readStatus();
      if (this.status && this.status.generation >= this.generation) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    this.log.warn('frr_reload_wait_timeout', { generation: this.generation, msg: 'exiting before the reloader applied the last configuration' });
  }

  /** Reads the reloader's answer and FRR's sessions now (after any write in flight). */
  async refresh(): Promise<void> {
    await this.writing;
    await this.polling;
    this.poll();
    await this.polling;
  }

  /** Runs a poll now, or once more after the one in flight. */
  private poll(): void {
    if (this.stopping) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.pollOnce()
      .catch((err: unknown) => this.log.error('frr_poll_failed', { msg: `unexpected: ${(err as Error).message}` }))
      .finally(() => {
        this.polling = undefined;
        if (this.pollAgain) {
          this.pollAgain = false;
          this.poll();
        }
      });
  }

  private async pollOnce(): Promise<void> {
    const before = this.problem();
    await this.readStatus();
    const views = await this.readSessions();
    const changed = this.problem() !== before;
    if (views) this.reports.publish(views, { changed });
    else if (changed) this.reports.changed();
  }

  private async readStatus(): Promise<void> {
    let text: string | undefined;
    try {
      text = await this.opts.files.status();
    } catch (err) {
      this.reloadProblem = `cannot read ${this.opts.files.dir}/reload.status: ${(err as Error).message}`;
      return;
    }
    const parsed = text === undefined ? undefined : parseReloadStatus(text);
    if (parsed && !parsed.ok) {
      this.reloadProblem = `the reloader's answer is unreadable: ${parsed.error}`;
      return;
    }
    const status = parsed?.status;
    if (status && (status.generation !== this.status?.generation || status.ok !== this.status.ok)) {
      if (status.ok) this.log.info('frr_reloaded', { generation: status.generation, at: status.at });
      else this.log.error('frr_reload_failed', { generation: status.generation, exitCode: status.exitCode, output: status.output.slice(-1024) });
    }
    this.status = status;
    if (status && status.generation >= this.generation) {
      this.reloadProblem = status.ok ? undefined : reloadError(status);
    } else if (this.generation > 0 && this.requestedAt > 0 && this.clock.now() - this.requestedAt > (this.opts.reloadTimeoutMs ?? 30_000)) {
      this.reloadProblem = `no answer from the FRR reloader to configuration generation ${this.generation} in ${Math.round((this.clock.now() - this.requestedAt) / 1000)} s `
        + `(last answer: ${status ? `generation ${status.generation}` : 'none'}): is frr-image/reloader.sh running beside FRR with ${this.opts.files.dir} shared?`;
    }
  }

  /** FRR's sessions as the BGPPeers' views; undefined when FRR could not be read. */
  private async readSessions(): Promise<FrrPeerSession[] | undefined> {
    const peers = this.want?.peers ?? [];
    const shown = await this.opts.vtysh.run(['show bgp vrf all neighbors json']);
    const parsed = shown.ok ? parseVrfNeighbors(shown.stdout) : undefined;
    const problem = !shown.ok ? `FRR does not answer: ${shown.error}` : parsed && !parsed.ok ? parsed.error : undefined;
    if (problem !== this.frrProblem) {
      if (problem) this.log.error(shown.ok ? 'frr_unexpected_output' : 'frr_unreachable', { msg: problem });
      else if (this.frrProblem) this.log.info('frr_ok', { msg: 'FRR answers as expected again' });
    }
    this.frrProblem = problem;
    if (!parsed?.ok) return undefined;
    const lookup: NeighborLookup = {
      find: (p, key) => parsed.vrfs.get(p.vrf === '' ? 'default' : p.vrf)?.get(key),
      missing: () => ({ lastError: 'not in FRR\'s configuration yet: waiting for the reloader' }),
    };
    const rendered = peers.filter((p) => !this.skipped.has(p.name));
    const views = [
      ...frrPeerSessions(rendered, lookup),
      ...peers.filter((p) => this.skipped.has(p.name)).map((p): FrrPeerSession => ({
        name: p.name, peerAddress: neighborId(p), state: 'Idle', prefixesSent: 0, established: false, configError: this.skipped.get(p.name)!,
      })),
    ].sort((a, b) => compareCodePoints(a.name, b.name));
    this.noteLost(rendered.filter((p) => !lookup.find(p, neighborId(p))).map((p) => p.name));
    return views;
  }

  /**
   * The reloader answered our last request but FRR lacks neighbours of it: FRR restarted (with
   * an empty configuration), was changed by hand, or was down when the reload ran. Hand it the
   * configuration again, backing off.
   */
  private noteLost(missing: readonly string[]): void {
    const answered = this.status !== undefined && this.status.generation >= this.generation;
    if (!answered || missing.length === 0 || this.rendered === undefined) {
      if (answered && missing.length === 0) this.lostRetryMs = LOST_RETRY_MIN_MS;
      return;
    }
    const now = this.clock.now();
    if (now - this.lostAt < this.lostRetryMs) return;
    this.lostAt = now;
    this.lostRetryMs = Math.min(this.lostRetryMs * 2, LOST_RETRY_MAX_MS);
    this.log.info('frr_config_lost', { missing, msg: 'FRR has lost neighbours of the applied configuration (it restarted, or was changed by hand): applying it again' });
    this.request(this.rendered);
  }
}
