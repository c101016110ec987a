// The host-frr backend: the node's own FRR speaks BGP; Portside opens no session and never
// rewrites the operator's configuration. Each reconcile (after every plan, and every
// reconcileMs, which also catches an FRR restart: its running-config lost our lines) reads
// `show running-config`, picks the mode per address family (speaker/frr/host-plan.ts) and
// changes only Portside's own prefixes: `network` lines under the existing `router bgp`
// (dynamic, with Portside's own `portside-…` route-map for communities, large communities,
// local-pref and GRACEFUL_SHUTDOWN while cordoned) or /32 and /128 on Portside's interface
// (connected). Then `show bgp neighbors json` gives the sessions. Unreadable output is an error
// on ConfigurationState and in the log, and nothing is changed. What this backend cannot
// honour of a BGPAdvertisement is a warning naming the object and field (host-limits.ts).
import type { BgpPeer, ConfigWarning } from '../../lib/config/index.ts';
import { formatCidr, parseCidr, type Cidr, type IpRange } from '../../lib/ip/index.ts';
import type { Logger } from '../../lib/log/index.ts';
import type { Registry } from '../../lib/metrics/index.ts';
import { hostFrrPeerMismatches, hostFrrUnhonoured } from '../frr/host-limits.ts';
import { networkCommands, noChanges, planHostFrr, type HostFrrChanges, type HostFrrMode, type Ownership } from '../frr/host-plan.ts';
import { mergeAttributes, withGracefulShutdown, type PrefixAttributes } from '../frr/host-route-maps.ts';
import type { InterfaceAddresses } from '../frr/interface-addresses.ts';
import { parseRunningConfig } from '../frr/running-config.ts';
import { frrPeerSessions, hostNeighbors, parseNeighbors, type FrrPeerSession } from '../frr/sessions.ts';
import type { Vtysh } from '../frr/vtysh.ts';
import type { BgpApply } from './bgp-announcer.ts';
import type { BgpBackend } from './bgp-backend.ts';
import { FrrSessionReports } from './frr-sessions.ts';

export interface HostFrrAnnouncerOptions {
  logger: Logger;
  registry: Registry;
  vtysh: Vtysh;
  /** Portside's interface for connected mode. */
  iface: InterfaceAddresses;
  /** Prefixes never touched (--host-frr-exclude). */
  exclude: readonly string[];
  reconcileMs: number;
}

interface Wanted {
  prefixes: Cidr[];
  /** Per prefix (CIDR text), merged over the peers; GRACEFUL_SHUTDOWN is added at reconcile while cordoned. */
  attributes: Map<string, PrefixAttributes>;
  peers: readonly BgpPeer[];
  pools: readonly IpRange[];
  cordoned: boolean;
  /** Inputs of the BGPAdvertisement warnings (hostFrrUnhonoured). */
  limits: Omit<Parameters<typeof hostFrrUnhonoured>[0], 'modes'>;
}

export class HostFrrAnnouncer implements BgpBackend {
  readonly kind = 'host-frr' as const;
  readonly restartTime = 0;
  private readonly opts: HostFrrAnnouncerOptions;
  private readonly log: Logger;
  private readonly reports: FrrSessionReports;
  private readonly exclude: Cidr[];
  private want: Wanted | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private error: string | undefined;
  private modes: Record<'ipv4' | 'ipv6', HostFrrMode> | undefined;
  /** What we added and FRR should still have: a line gone from it means FRR restarted (or was changed by hand). */
  private installed = new Set<string>();
  private unhonouredNow: ConfigWarning[] = [];
  private advertWarnings: ConfigWarning[] = [];
  /** BGPPeer fields the node's FRR does not run as they say (hostFrrPeerMismatches). */
  private peerWarnings: ConfigWarning[] = [];
  private gshutWarned = false;

  constructor(opts: HostFrrAnnouncerOptions) {
    this.opts = opts;
    this.log = opts.logger;
    this.reports = new FrrSessionReports(opts.registry);
    this.exclude = opts.exclude.map((e) => parseCidr(e.includes('/') ? e : `${e}/${e.includes(':') ? 128 : 32}`)).flatMap((r) => (r.ok ? [r.value] : []));
  }

  get configuredPeers(): readonly BgpPeer[] {
    return this.want?.peers ?? [];
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.kick(), this.opts.reconcileMs).unref();
    this.log.info('host_frr_start', { reconcileMs: this.opts.reconcileMs, msg: 'BGP through the node\'s own FRR: no session of our own; prefixes go to FRR through vtysh' });
    await Promise.resolve();
  }

  apply(want: BgpApply): void {
    if (this.stopping) return;
    const seen = new Map<string, Cidr>();
    const perPeer = new Map<string, PrefixAttributes[]>();
    for (const routes of want.routes.values()) {
      for (const r of routes) {
        const key = formatCidr(r.prefix);
        seen.set(key, r.prefix);
        const list = perPeer.get(key) ?? [];
        perPeer.set(key, list);
        list.push({ communities: r.communities ?? [], largeCommunities: r.largeCommunities ?? [], localPref: r.localPref });
      }
    }
    const attributes = new Map([...perPeer].map(([k, list]) => [k, mergeAttributes(list)] as const));
    if (this.want && this.want.cordoned !== want.cordoned) {
      this.log.info('bgp_graceful_shutdown', { on: want.cordoned, msg: want.cordoned ? 'node cordoned: FRR announces our prefixes with GRACEFUL_SHUTDOWN (dynamic mode)' : 'node uncordoned' });
    }
    this.want = {
      prefixes: [...seen.values()], attributes, peers: want.peers, pools: want.pools ?? [], cordoned: want.cordoned,
      limits: { adverts: want.adverts ?? [], peers: want.peers.map((p) => p.name), routes: want.routes },
    };
    this.kick();
  }

  /** BGPAdvertisement fields this backend cannot honour on this node (ConfigurationState warnings). */
  unhonoured(): readonly ConfigWarning[] {
    return this.unhonouredNow;
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
    return this.error;
  }

  /** The current modes, once FRR's configuration was read. */
  currentModes(): Record<'ipv4' | 'ipv6', HostFrrMode> | undefined {
    return this.modes;
  }

  /**
   * SIGTERM. `restart` (the node stays): FRR keeps announcing; the next speaker reconciles.
   * Otherwise (a drain), as the native backend: GRACEFUL_SHUTDOWN on every prefix of ours for
   * `graceMs` (dynamic mode), then every prefix withdrawn. Returns the peers that keep our routes.
   */
  async shutdown(graceMs: number, { restart = false }: { restart?: boolean } = {}): Promise<string[]> {
    clearInterval(this.timer);
    await this.running;
    const peers = this.reports.views.filter((v) => v.established).map((v) => v.name);
    if (restart || !this.want) {
      this.stopping = true;
      return restart ? peers : [];
    }
    const dynamic = this.modes?.ipv4 === 'dynamic' || this.modes?.ipv6 === 'dynamic';
    if (graceMs > 0 && dynamic && this.want.prefixes.length > 0) {
      this.want = { ...this.want, cordoned: true };
      this.kick();
      await this.running;
      await new Promise((r) => setTimeout(r, graceMs));
    }
    this.want = { ...this.want, prefixes: [] };
    this.kick();
    await this.running;
    this.stopping = true;
    return [];
  }

  /** Runs a reconcile now, or once more after the one in flight. */
  private kick(): void {
    if (this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.reconcile()
      .catch((err: unknown) => this.fail('host_frr_failed', `unexpected: ${(err as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Said (log, ConfigurationState) when it changes, not at every period it persists. */
  private fail(event: string, error: string): void {
    if (error === this.error) return;
    this.log.error(event, { msg: `${error}: nothing changed in FRR` });
    this.error = error;
    this.reports.changed();
  }

  private async reconcile(): Promise<void> {
    const want = this.want;
    if (!want) return; // no configuration yet: nothing is known to be ours, so nothing is touched
    const shown = await this.opts.vtysh.run(['show running-config']);
    if (!shown.ok) return this.fail('host_frr_unreachable', shown.error);
    const parsed = parseRunningConfig(shown.stdout);
    if (!parsed.ok) return this.fail('host_frr_unexpected_output', parsed.error);
    const { bgp } = parsed.config;
    const own: Ownership = { pools: want.pools, exclude: this.exclude };
    const listed = await this.opts.iface.list();
    if (!listed.ok) return this.fail('host_frr_interface_failed', listed.error);
    const attributes = want.cordoned ? new Map([...want.attributes].map(([k, a]) => [k, withGracefulShutdown(a)] as const)) : want.attributes;
    const changes = planHostFrr(parsed.config, listed.value ?? [], want.prefixes, own, attributes);
    this.noteModes(changes, bgp.importCheckOff);
    this.noteUnhonoured(hostFrrUnhonoured({ ...want.limits, modes: changes.modes }), want.cordoned, changes.modes);
    this.noteLost(changes);
    if (!noChanges(changes)) {
      const applied = await this.change(bgp.asn, changes, listed.value !== undefined);
      if (applied !== undefined) return this.fail('host_frr_change_failed', applied);
    }
    await this.readSessions(want.peers);
  }

  /** Makes the changes; returns the error, if any. */
  private async change(asn: number, changes: HostFrrChanges, ifaceExists: boolean): Promise<string | undefined> {
    const { add, remove } = changes.addresses;
    if (add.length > 0 && !ifaceExists) {
      const made = await this.opts.iface.ensure();
      if (!made.ok) return made.error;
    }
    for (const a of remove) {
      const r = await this.opts.iface.remove(a);
      if (!r.ok) return r.error;
      this.installed.delete(`addr ${a}`);
    }
    for (const a of add) {
      const r = await this.opts.iface.add(a);
      if (!r.ok) return r.error;
      this.installed.add(`addr ${a}`);
    }
    const commands = networkCommands(asn, changes);
    if (commands.length > 0) {
      const r = await this.opts.vtysh.run(commands);
      if (!r.ok) return r.error;
      for (const afi of ['ipv4', 'ipv6'] as const) {
        for (const p of changes.networks[afi].remove) this.installed.delete(`network ${p}`);
        for (const p of changes.networks[afi].add) this.installed.add(`network ${p}`);
      }
    }
    this.log.info('host_frr_changed', {
      networksAdded: [...changes.networks.ipv4.add, ...changes.networks.ipv6.add],
      networksRemoved: [...changes.networks.ipv4.remove, ...changes.networks.ipv6.remove],
      networksRebound: [...changes.networks.ipv4.rebind, ...changes.networks.ipv6.rebind], routeMapOf: changes.routeMapOf,
      routeMapsWritten: changes.routeMaps.write.map((m) => m.name), routeMapsRemoved: changes.routeMaps.remove,
      addressesAdded: add, addressesRemoved: remove, interface: this.opts.iface.name,
    });
    return undefined;
  }

  private noteModes(changes: HostFrrChanges, importCheckOff: boolean): void {
    const same = this.modes && this.modes.ipv4 === changes.modes.ipv4 && this.modes.ipv6 === changes.modes.ipv6;
    if (same) return;
    this.modes = changes.modes;
    this.log.info('host_frr_mode', {
      ipv4: changes.modes.ipv4, ipv6: changes.modes.ipv6, importCheckOff,
      msg: 'connected: FRR redistributes connected routes, our /32 and /128 go on the interface; dynamic: `network` lines under router bgp',
    });
    if (!importCheckOff && (changes.modes.ipv4 === 'dynamic' || changes.modes.ipv6 === 'dynamic')) {
      this.log.warn('host_frr_import_check', { msg: 'FRR checks `network` prefixes against its RIB (no `no bgp network import-check`): a Service IP with no route on the node is not announced' });
    }
  }

  /** Said when the set changes: in the log and (through the listeners) on ConfigurationState. */
  private noteUnhonoured(warnings: ConfigWarning[], cordoned: boolean, modes: Record<'ipv4' | 'ipv6', HostFrrMode>): void {
    const gshutLost = cordoned && (modes.ipv4 === 'connected' || modes.ipv6 === 'connected');
    if (gshutLost && !this.gshutWarned) {
      this.log.warn('host_frr_graceful_shutdown_unavailable', { modes, msg: 'node cordoned: connected mode cannot add GRACEFUL_SHUTDOWN to our prefixes (the operator\'s redistribute policy decides their attributes)' });
    }
    this.gshutWarned = gshutLost;
    this.advertWarnings = warnings;
    this.publishUnhonoured();
  }

  /** The BGPAdvertisements' and the BGPPeers' warnings together, said when the set changes. */
  private publishUnhonoured(): void {
    const warnings = [...this.advertWarnings, ...this.peerWarnings];
    if (JSON.stringify(warnings) === JSON.stringify(this.unhonouredNow)) return;
    this.unhonouredNow = warnings;
    for (const w of warnings) this.log.warn('host_frr_unhonoured', { ...w });
    this.reports.changed();
  }

  /** Lines we added that FRR no longer has: it restarted (its saved file never had them) or someone removed them. */
  private noteLost(changes: HostFrrChanges): void {
    const lost = [
      ...changes.networks.ipv4.add.map((p) => `network ${p}`), ...changes.networks.ipv6.add.map((p) => `network ${p}`),
      ...changes.addresses.add.map((a) => `addr ${a}`),
    ].filter((k) => this.installed.has(k));
    if (lost.length > 0) this.log.info('host_frr_reconciled', { lost, msg: 'FRR lost prefixes Portside had given it (FRR restarted, or they were removed by hand): adding them again' });
  }

  private async readSessions(peers: readonly BgpPeer[]): Promise<void> {
    const shown = await this.opts.vtysh.run(['show bgp neighbors json']);
    if (!shown.ok) return this.fail('host_frr_unreachable', shown.error);
    const parsed = parseNeighbors(shown.stdout);
    if (!parsed.ok) return this.fail('host_frr_unexpected_output', parsed.error);
    const recovered = this.error !== undefined;
    if (recovered) this.log.info('host_frr_ok', { msg: 'FRR answers as expected again' });
    this.error = undefined;
    this.peerWarnings = hostFrrPeerMismatches(peers, parsed.neighbors);
    this.publishUnhonoured();
    this.reports.publish(frrPeerSessions(peers, hostNeighbors(parsed.neighbors)), { changed: recovered });
  }
}
