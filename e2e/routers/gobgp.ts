// GoBGP (gobgpd 3.x) in a lab namespace, configured by TOML and driven through the gobgp CLI.
//
// Pitfalls:
// - gRPC listens on --api-hosts; each namespace has its own loopback, so 127.0.0.1:50051
//   is private to the namespace, and the `gobgp` client must run inside it too.
// - gobgpd opens pprof on localhost:6060 unless --pprof-disable.
// - The config file cannot originate routes: announce with `gobgp global rib add`
//   (announce()); the next hop becomes the session's local address on eBGP export.
// - GoBGP 3.x dials its first connect 5–10 s after a peer is added (rand(5)+5, fsm.go
//   connectLoop), and raises connect-retry below 5 s to 5 s. Against a passive side (FRR
//   `bgp listen range`) a session therefore takes 5–10 s; when a test needs it faster,
//   make the other side dial (a static FRR neighbor) — GoBGP accepts while it waits.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab, LabProcess, Netns } from '../netns/index.ts';
import { waitFor, type WaitOptions } from '../wait.ts';
import { waitReady } from './ready.ts';

export type GobgpFamily = 'ipv4' | 'ipv6';

export interface GobgpNeighbor {
  address: string;
  peerAs: number;
  /** Default: the neighbor address's family. */
  families?: readonly GobgpFamily[];
  password?: string;
  localAddress?: string;
  ebgpMultihopTtl?: number;
  passive?: boolean;
  holdTimeS?: number;
  keepaliveS?: number;
  /** Seconds; default 1. */
  connectRetryS?: number;
  gracefulRestart?: { restartTimeS?: number };
}

export interface StartGobgpOptions {
  asn: number;
  routerId: string;
  neighbors: readonly GobgpNeighbor[];
  /** Prefixes to announce once the daemon is up. */
  announce?: readonly string[];
  /** gRPC port on the namespace's 127.0.0.1; default 50051. */
  apiPort?: number;
  /** Label for logs and files; default 'gobgp'. */
  name?: string;
}

/** One path of `gobgp -j global rib`: { [prefix]: GobgpPath[] }. */
export interface GobgpPath {
  nlri: { prefix: string };
  best?: boolean;
  stale?: boolean;
  'source-id'?: string;
  'neighbor-ip'?: string;
  attrs: Array<{ type: number; nexthop?: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

export interface GobgpPeer {
  conf: { neighbor_address: string; peer_asn?: number; [key: string]: unknown };
  state: { session_state?: number | string; neighbor_address?: string; [key: string]: unknown };
  [key: string]: unknown;
}

const familyOf = (addr: string): GobgpFamily => (addr.includes(':') ? 'ipv6' : 'ipv4');

export function renderGobgpConfig(o: StartGobgpOptions): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = ['[global.config]', `  as = ${o.asn}`, `  router-id = ${q(o.routerId)}`, '  port = 179', ''];
  for (const n of o.neighbors) {
    lines.push('[[neighbors]]', '  [neighbors.config]', `    neighbor-address = ${q(n.address)}`, `    peer-as = ${n.peerAs}`);
    if (n.password) lines.push(`    auth-password = ${q(n.password)}`);
    lines.push('  [neighbors.timers.config]', `    connect-retry = ${n.connectRetryS ?? 1}`);
    if (n.holdTimeS) lines.push(`    hold-time = ${n.holdTimeS}`);
    if (n.keepaliveS) lines.push(`    keepalive-interval = ${n.keepaliveS}`);
    if (n.localAddress || n.passive) {
      lines.push('  [neighbors.transport.config]');
      if (n.localAddress) lines.push(`    local-address = ${q(n.localAddress)}`);
      if (n.passive) lines.push('    passive-mode = true');
    }
    if (n.ebgpMultihopTtl) {
      lines.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', `    multihop-ttl = ${n.ebgpMultihopTtl}`);
    }
    if (n.gracefulRestart) {
      lines.push('  [neighbors.graceful-restart.config]', '    enabled = true');
      if (n.gracefulRestart.restartTimeS) lines.push(`    restart-time = ${n.gracefulRestart.restartTimeS}`);
    }
    for (const f of n.families ?? [familyOf(n.address)]) {
      lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${f}-unicast"`);
      if (n.gracefulRestart) lines.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
    }
    lines.push('');
  }
  return lines.join('\n');
}

export class GobgpRouter {
  readonly ns: Netns;
  readonly name: string;
  readonly configFile: string;
  readonly apiPort: number;
  readonly process: LabProcess;

  private constructor(ns: Netns, name: string, configFile: string, apiPort: number, proc: LabProcess) {
    this.ns = ns;
    this.name = name;
    this.configFile = configFile;
    this.apiPort = apiPort;
    this.process = proc;
  }

  static async start(lab: Lab, ns: Netns, options: StartGobgpOptions): Promise<GobgpRouter> {
    const name = options.name ?? 'gobgp';
    const apiPort = options.apiPort ?? 50051;
    const dir = await lab.tempDir(`${ns.name}-${name}`);
    const configFile = join(dir, 'gobgpd.toml');
    await writeFile(configFile, renderGobgpConfig(options));
    const proc = ns.spawn(
      'gobgpd',
      ['-f', configFile, '-t', 'toml', '--api-hosts', `127.0.0.1:${apiPort}`, '--pprof-disable', '-p', '-l', 'info'],
      { name },
    );
    const router = new GobgpRouter(ns, `${ns.name}/${name}`, configFile, apiPort, proc);
    lab.onDump(`gobgp ${router.name}`, async () => (await router.cli(['neighbor'])) + (await router.cli(['global', 'rib', '-a', 'ipv4'])));
    await waitReady([proc], async () => (await router.cli(['global'])).includes('AS'), `${router.name} gRPC API`);
    for (const prefix of options.announce ?? []) await router.announce(prefix);
    return router;
  }

  /** `gobgp -u 127.0.0.1 -p <port> args…` inside the namespace; stdout. */
  async cli(args: readonly string[]): Promise<string> {
    return (await this.ns.exec('gobgp', ['-u', '127.0.0.1', '-p', String(this.apiPort), ...args])).stdout;
  }

  async cliJson<T>(args: readonly string[]): Promise<T> {
    return this.ns.execJson<T>('gobgp', ['-u', '127.0.0.1', '-p', String(this.apiPort), '-j', ...args]);
  }

  async announce(prefix: string): Promise<void> {
    await this.cli(['global', 'rib', 'add', '-a', familyOf(prefix), prefix]);
  }

  async withdraw(prefix: string): Promise<void> {
    await this.cli(['global', 'rib', 'del', '-a', familyOf(prefix), prefix]);
  }

  /** `gobgp -j global rib -a <family>`: the local RIB (own and learned paths). */
  async rib(family: GobgpFamily): Promise<Record<string, GobgpPath[]>> {
    return (await this.cliJson<Record<string, GobgpPath[]> | null>(['global', 'rib', '-a', family])) ?? {};
  }

  async neighbors(): Promise<GobgpPeer[]> {
    return (await this.cliJson<GobgpPeer[] | null>(['neighbor'])) ?? [];
  }

  /** Session state of one neighbor, lower-case FSM name ('established', 'active', …). */
  async neighborState(address: string): Promise<string | undefined> {
    const peer = (await this.neighbors()).find((p) => p.conf.neighbor_address === address || p.state.neighbor_address === address);
    const s = peer?.state.session_state;
    if (s === undefined) return undefined;
    const names = ['unknown', 'idle', 'connect', 'active', 'opensent', 'openconfirm', 'established'];
    return typeof s === 'number' ? names[s] ?? String(s) : s.toLowerCase();
  }

  async waitEstablished(address: string, opts: WaitOptions = {}): Promise<void> {
    await waitFor(async () => (await this.neighborState(address)) === 'established', {
      timeoutMs: 20_000,
      what: `${this.name}: BGP session with ${address} established`,
      ...opts,
    });
  }

  stop(): Promise<unknown> {
    return this.process.stop();
  }

  kill(): Promise<unknown> {
    return this.process.kill();
  }
}

export function startGobgp(lab: Lab, ns: Netns, options: StartGobgpOptions): Promise<GobgpRouter> {
  return GobgpRouter.start(lab, ns, options);
}
