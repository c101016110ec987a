// FRR 8.4 (zebra + bgpd + bfdd) in a lab namespace, driven through vtysh.
//
// Pitfalls (FRR 8.4.4 from Debian bookworm):
// - Several FRRs on one host: each needs its own `-N <instance>` pathspace, which puts
//   pid files, zserv.api and the vty sockets under /var/run/frr/<instance>; that dir must
//   exist and belong to frr:frr before the daemons start (they drop to -u frr at once).
// - Start every daemon with an *empty* `-f` file and push one frr.conf with
//   `vtysh --vty_socket <dir> -f`: a daemon reading the full file rejects the other
//   daemons' blocks. `vtysh -f` exits 2 on a bad line and prints the error on stdout.
// - bgpd and bfdd connect to zebra's zserv.api: start zebra first and wait for the socket,
//   or bgpd runs without zebra for a while and installs nothing in the kernel.
// - `ip netns exec` execs in place, so the spawned PID is the daemon's (no -d, no fork).
// - Zebra installs ECMP as a kernel nexthop group (`nhid`); `ip -j route` still lists the
//   gateways in `nexthops`, and `dst` drops the /32 ("203.0.113.100"): Netns.nextHops()
//   asks with `exact <prefix>` and reads both shapes.
// - IPv6: when a peer sends a global *and* a link-local next hop (BIRD does on a shared
//   LAN, GoBGP does not) FRR installs the fe80:: one in the kernel; `show bgp` still shows
//   both (bgpNextHops() returns the global one). Netns.linkLocal() gives the fe80:: to expect.
// - A peer on the same subnet keeps its own next hop when FRR passes a route on to
//   another eBGP peer there (third-party next hop), not FRR's address.
// - vtysh talks to the sockets under --vty_socket from the root namespace; no netns exec.
// - See frr-config.ts for the defaults that silently block routes.
import { access, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab, LabProcess, Netns } from '../netns/index.ts';
import { run, runJson } from '../netns/index.ts';
import { waitFor, type WaitOptions } from '../wait.ts';
import { renderFrrConfig, type Afi, type FrrOptions } from './frr-config.ts';
import { waitReady } from './ready.ts';

export type FrrDaemon = 'zebra' | 'bgpd' | 'bfdd';

export interface StartFrrOptions extends FrrOptions {
  /**
   * VRFs as network namespaces, for kernels without VRF devices (CONFIG_NET_VRF unset): VRF
   * name → lab namespace. zebra runs FRR's netns VRF backend (`zebra -n`), and every daemon
   * runs in a private mount namespace whose /run/netns holds only these, by VRF name: `zebra
   * -n` takes every namespace in /run/netns for a VRF and, starting, deletes the routes its
   * protocols left in each (another lab's ToR included).
   */
  vrfNetns?: Readonly<Record<string, string>>;
  /** Instance name suffix; the `-N` pathspace is `<ns name>-<name>`. Default 'frr'. */
  name?: string;
  /** Default all three. */
  daemons?: readonly FrrDaemon[];
  /** Start the daemons with no configuration at all: another program configures them (the frr backend's sidecar). */
  unconfigured?: boolean;
}

/** One path of `show bgp <afi> unicast json` → routes[prefix][]. */
export interface FrrBgpPath {
  valid?: boolean;
  bestpath?: boolean;
  multipath?: boolean;
  path?: string;
  peerId?: string;
  origin?: string;
  nexthops?: Array<{ ip: string; afi: string; used?: boolean; scope?: string }>;
  [key: string]: unknown;
}

export interface FrrBgpRib {
  routerId?: string;
  localAS?: number;
  routes: Record<string, FrrBgpPath[]>;
}

export interface FrrSummaryPeer {
  remoteAs: number;
  state: string;
  peerState?: string;
  pfxRcd?: number;
  pfxSnt?: number;
  dynamicPeer?: boolean;
  [key: string]: unknown;
}

export type FrrBgpSummary = Partial<Record<'ipv4Unicast' | 'ipv6Unicast', { as: number; peers: Record<string, FrrSummaryPeer> }>>;

export interface FrrBgpNeighbor {
  remoteAs: number;
  bgpState: string;
  /** Times the session reached Established / left it (FRR counts both per neighbor). */
  connectionsEstablished?: number;
  connectionsDropped?: number;
  [key: string]: unknown;
}

export interface FrrBfdPeer {
  peer: string;
  local?: string;
  status: string;
  multihop?: boolean;
  interface?: string;
  'detect-multiplier'?: number;
  'receive-interval'?: number;
  'transmit-interval'?: number;
  [key: string]: unknown;
}

/** One entry of `show bfd peers counters json`. */
export interface FrrBfdCounters {
  peer: string;
  'control-packet-input'?: number;
  'control-packet-output'?: number;
  'session-up'?: number;
  'session-down'?: number;
  [key: string]: unknown;
}

/** One entry of `show ip route json` → [prefix][]. */
export interface FrrRibRoute {
  prefix: string;
  protocol: string;
  selected?: boolean;
  installed?: boolean;
  nexthops: Array<{ ip?: string; interfaceName?: string; active?: boolean; fib?: boolean }>;
  [key: string]: unknown;
}

const FRR_DIR = '/usr/lib/frr';
/** sh -c: VIEW [VRF NETNS]... -- CMD ARGS: /run/netns shows only NETNS, as VRF (this mount namespace only), then exec. */
const NETNS_VIEW = [
  'set -e; view=$1; shift',
  'while [ "$1" != -- ]; do : > "$view/$1"; mount --bind "/run/netns/$2" "$view/$1"; shift 2; done',
  'shift; mount --rbind "$view" /run/netns; exec "$@"',
].join('\n');
const RUN_DIR = '/var/run/frr';

async function frrIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', 'frr'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'frr'])).stdout.trim());
  return { uid, gid };
}

export class FrrRouter {
  readonly ns: Netns;
  readonly instance: string;
  /** Holds the pid files, zserv.api and the vty sockets (`--vty_socket`). */
  readonly runDir: string;
  readonly configFile: string;
  readonly processes: Partial<Record<FrrDaemon, LabProcess>> = {};
  readonly options: StartFrrOptions;
  #pushes = 0;

  private constructor(ns: Netns, instance: string, configFile: string, options: StartFrrOptions) {
    this.ns = ns;
    this.instance = instance;
    this.runDir = join(RUN_DIR, instance);
    this.configFile = configFile;
    this.options = options;
  }

  static async start(lab: Lab, ns: Netns, options: StartFrrOptions): Promise<FrrRouter> {
    const instance = `${ns.name}-${options.name ?? 'frr'}`;
    const dir = await lab.tempDir(instance);
    const router = new FrrRouter(ns, instance, join(dir, 'frr.conf'), options);
    lab.trackDir(router.runDir);
    lab.onDump(`frr ${instance}`, () => router.describe());

    const { uid, gid } = await frrIds();
    await mkdir(router.runDir, { recursive: true, mode: 0o755 });
    await chown(router.runDir, uid, gid);
    const daemons = options.daemons ?? ['zebra', 'bgpd', 'bfdd'];
    // A restart finds the stopped daemons' sockets still there: the readiness probes below
    // would pass at once and vtysh would talk to nothing. Remove them first.
    await Promise.all(['zserv.api', ...daemons.flatMap((d) => [`${d}.vty`, `${d}.pid`])]
      .map((f) => rm(join(router.runDir, f), { force: true })));
    const empty = join(dir, 'empty.conf');
    await writeFile(empty, '', { mode: 0o644 });
    await writeFile(router.configFile, renderFrrConfig(options), { mode: 0o644 });

    const vrfs = Object.entries(options.vrfNetns ?? {});
    for (const d of vrfs.length > 0 ? daemons : []) await mkdir(join(dir, `netns-${d}`), { recursive: true });
    const startDaemon = (d: FrrDaemon): LabProcess => {
      const cmd = join(FRR_DIR, d);
      const args = ['-N', instance, '--vty_socket', router.runDir, '-u', 'frr', '-g', 'frr', '-f', empty, ...(d === 'zebra' && vrfs.length > 0 ? ['-n'] : []),
        '-i', join(router.runDir, `${d}.pid`), '--log', 'stdout', '--log-level', 'info'];
      const name = `${options.name ?? 'frr'}-${d}`;
      const proc = vrfs.length === 0 ? ns.spawn(cmd, args, { name })
        : ns.spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', NETNS_VIEW, 'sh', join(dir, `netns-${d}`), ...vrfs.flat(), '--', cmd, ...args], { name });
      router.processes[d] = proc;
      return proc;
    };
    const exists = (path: string) => access(path).then(() => true, () => false);

    if (daemons.includes('zebra')) {
      const zebra = startDaemon('zebra');
      await waitReady([zebra], () => exists(join(router.runDir, 'zserv.api')), `${instance} zebra zserv.api`);
    }
    daemons.filter((d) => d !== 'zebra').forEach(startDaemon);
    await waitReady(
      Object.values(router.processes),
      async () => (await Promise.all(daemons.map((d) => exists(join(router.runDir, `${d}.vty`))))).every(Boolean),
      `${instance} vty sockets`,
    );
    if (!options.unconfigured) await run('vtysh', ['--vty_socket', router.runDir, '-f', router.configFile]);
    return router;
  }

  /** Pushes config text through vtysh (as `vtysh -f`); throws with vtysh's complaint. */
  async applyConfig(text: string): Promise<void> {
    const file = `${this.configFile}.${++this.#pushes}`;
    await writeFile(file, text, { mode: 0o644 });
    await run('vtysh', ['--vty_socket', this.runDir, '-f', file]);
  }

  /** Runs vtysh commands (each one `-c`), returns stdout. */
  async vtysh(...commands: string[]): Promise<string> {
    return (await run('vtysh', ['--vty_socket', this.runDir, ...commands.flatMap((c) => ['-c', c])])).stdout;
  }

  vtyshJson<T>(command: string): Promise<T> {
    return runJson<T>('vtysh', ['--vty_socket', this.runDir, '-c', command]);
  }

  async bgpRib(afi: Afi): Promise<FrrBgpRib> {
    const rib = await this.vtyshJson<FrrBgpRib | null>(`show bgp ${afi} unicast json`);
    return { ...rib, routes: rib?.routes ?? {} };
  }

  async bgpSummary(): Promise<FrrBgpSummary> {
    return (await this.vtyshJson<FrrBgpSummary | null>('show bgp summary json')) ?? {};
  }

  async bgpNeighbors(): Promise<Record<string, FrrBgpNeighbor>> {
    return (await this.vtyshJson<Record<string, FrrBgpNeighbor> | null>('show bgp neighbors json')) ?? {};
  }

  async bfdPeers(): Promise<FrrBfdPeer[]> {
    return (await this.vtyshJson<FrrBfdPeer[] | null>('show bfd peers json')) ?? [];
  }

  /** Per-peer packet and Up/Down counts since bfdd started. */
  async bfdCounters(): Promise<FrrBfdCounters[]> {
    return (await this.vtyshJson<FrrBfdCounters[] | null>('show bfd peers counters json')) ?? [];
  }

  /** zebra's RIB: `show ip route json` / `show ipv6 route json`. */
  async ribRoutes(afi: Afi): Promise<Record<string, FrrRibRoute[]>> {
    return (await this.vtyshJson<Record<string, FrrRibRoute[]> | null>(`show ${afi === 'ipv4' ? 'ip' : 'ipv6'} route json`)) ?? {};
  }

  /** Next hops of the BGP paths for `prefix` that are best or multipath, sorted. */
  async bgpNextHops(prefix: string): Promise<string[]> {
    const rib = await this.bgpRib(prefix.includes(':') ? 'ipv6' : 'ipv4');
    const paths = (rib.routes[prefix] ?? []).filter((p) => p.valid && (p.bestpath || p.multipath));
    return paths.flatMap((p) => (p.nexthops ?? []).filter((n) => n.scope !== 'link-local').map((n) => n.ip).slice(0, 1)).sort();
  }

  /** Kernel next hops for `prefix` in this router's namespace. */
  kernelNextHops(prefix: string): Promise<string[]> {
    return this.ns.nextHops(prefix);
  }

  async waitEstablished(peer: string, opts: WaitOptions = {}): Promise<FrrBgpNeighbor> {
    return waitFor(
      async () => {
        const n = (await this.bgpNeighbors())[peer];
        return n?.bgpState === 'Established' ? n : undefined;
      },
      { timeoutMs: 20_000, what: `${this.instance}: BGP session with ${peer} Established`, ...opts },
    );
  }

  /** Waits until `prefix` is in the BGP table, optionally with exactly these next hops. */
  async waitBgpRoute(prefix: string, nextHops?: readonly string[], opts: WaitOptions = {}): Promise<string[]> {
    const want = nextHops ? [...nextHops].sort().join(',') : undefined;
    return waitFor(
      async () => {
        const hops = await this.bgpNextHops(prefix);
        if (hops.length === 0) return undefined;
        return want === undefined || hops.join(',') === want ? hops : undefined;
      },
      { timeoutMs: 20_000, what: `${this.instance}: BGP route ${prefix}${want ? ` via ${want}` : ''}`, ...opts },
    );
  }

  /** Waits until the kernel route for `prefix` has exactly these next hops ([] = no route). */
  async waitKernelRoute(prefix: string, nextHops: readonly string[], opts: WaitOptions = {}): Promise<string[]> {
    const want = [...nextHops].sort().join(',');
    return waitFor(
      async () => {
        const hops = await this.kernelNextHops(prefix);
        return hops.join(',') === want ? hops : undefined;
      },
      { timeoutMs: 20_000, what: `${this.instance}: kernel route ${prefix} via [${want}]`, ...opts },
    );
  }

  async waitBfd(peer: string, status: 'up' | 'down' = 'up', opts: WaitOptions = {}): Promise<FrrBfdPeer> {
    return waitFor(
      async () => (await this.bfdPeers()).find((p) => p.peer === peer && p.status === status),
      { timeoutMs: 20_000, what: `${this.instance}: BFD peer ${peer} ${status}`, ...opts },
    );
  }

  async describe(): Promise<string> {
    return this.vtysh('show bgp summary', 'show bgp ipv4 unicast', 'show bgp ipv6 unicast', 'show bfd peers brief');
  }

  /** SIGTERM every daemon (by PID), SIGKILL after a grace period. */
  async stop(): Promise<void> {
    await Promise.all(Object.values(this.processes).map((p) => p.stop()));
  }

  /** SIGKILL one daemon or all of them: a crashed router. */
  async kill(daemon?: FrrDaemon): Promise<void> {
    const procs = daemon ? [this.processes[daemon]] : Object.values(this.processes);
    await Promise.all(procs.map((p) => p?.kill()));
  }
}

export function startFrr(lab: Lab, ns: Netns, options: StartFrrOptions): Promise<FrrRouter> {
  return FrrRouter.start(lab, ns, options);
}
