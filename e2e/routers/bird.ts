// BIRD 2 in a lab namespace: `bird -f -c <conf> -s <ctl sock> -P <pid file>`, read with birdc.
//
// Pitfalls:
// - Without -f bird forks into the background and the PID we hold is gone at once.
// - BGP waits `connect delay time` (5 s) before the first connect and `connect retry time`
//   (120 s) between attempts, and after an error `error wait time` (60 s..300 s): all set
//   low here, or a session that first met an unconfigured router idles for minutes.
// - Routes to originate come from `protocol static` (blackhole is enough for BGP).
// - birdc has no JSON output: the readers below parse the text of `show protocols` and
//   `show route all`, enough for tests; raw text is available through birdc().
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab, LabProcess, Netns } from '../netns/index.ts';
import { run } from '../netns/index.ts';
import { waitFor, type WaitOptions } from '../wait.ts';
import { waitReady } from './ready.ts';

export interface BirdNeighbor {
  /** Protocol name in BIRD (letters, digits, '_'); default `peer<N>`. */
  name?: string;
  address: string;
  peerAs: number;
  localAddress?: string;
  /** Default: the neighbor address's family. */
  families?: ReadonlyArray<'ipv4' | 'ipv6'>;
  password?: string;
  multihop?: number;
  holdTimeS?: number;
  keepaliveS?: number;
  bfd?: boolean;
  gracefulRestart?: boolean;
}

export interface StartBirdOptions {
  asn: number;
  routerId: string;
  neighbors: readonly BirdNeighbor[];
  /** Prefixes to originate (static blackhole routes exported to every neighbor). */
  announce?: readonly string[];
  /** Export learned routes into the namespace's kernel table (ECMP merged). */
  kernel?: boolean;
  /** BFD timers for neighbors with bfd: true. */
  bfd?: { intervalMs: number; multiplier: number };
  name?: string;
  extraConfig?: string;
}

export interface BirdProtocol {
  name: string;
  proto: string;
  table: string;
  state: string;
  info: string;
}

export interface BirdRoute {
  prefix: string;
  protocol: string;
  primary: boolean;
  via: string[];
}

const familyOf = (addr: string): 'ipv4' | 'ipv6' => (addr.includes(':') ? 'ipv6' : 'ipv4');

export function renderBirdConfig(o: StartBirdOptions): string {
  const q = (s: string) => JSON.stringify(s);
  const out = [`router id ${o.routerId};`, 'log stderr all;', 'protocol device { scan time 10; }'];
  for (const fam of ['ipv4', 'ipv6'] as const) {
    const prefixes = (o.announce ?? []).filter((p) => familyOf(p) === fam);
    if (prefixes.length > 0) {
      out.push(`protocol static static_${fam} {`, `  ${fam};`, ...prefixes.map((p) => `  route ${p} blackhole;`), '}');
    }
    if (o.kernel) out.push(`protocol kernel kernel_${fam} {`, '  merge paths on;', `  ${fam} { import none; export all; };`, '}');
  }
  if (o.neighbors.some((n) => n.bfd)) {
    const t = o.bfd ?? { intervalMs: 300, multiplier: 3 };
    out.push('protocol bfd {', `  interface "*" { interval ${t.intervalMs} ms; multiplier ${t.multiplier}; };`, '}');
  }
  o.neighbors.forEach((n, i) => {
    out.push(`protocol bgp ${n.name ?? `peer${i + 1}`} {`);
    out.push(n.localAddress ? `  local ${n.localAddress} as ${o.asn};` : `  local as ${o.asn};`);
    out.push(`  neighbor ${n.address} as ${n.peerAs};`);
    out.push('  connect delay time 1;', '  connect retry time 1;', '  error wait time 1, 5;');
    if (n.holdTimeS) out.push(`  hold time ${n.holdTimeS};`);
    if (n.keepaliveS) out.push(`  keepalive time ${n.keepaliveS};`);
    if (n.password) out.push(`  password ${q(n.password)};`);
    if (n.multihop) out.push(`  multihop ${n.multihop};`);
    if (n.bfd) out.push('  bfd on;');
    if (n.gracefulRestart) out.push('  graceful restart on;');
    for (const f of n.families ?? [familyOf(n.address)]) out.push(`  ${f} { import all; export all; };`);
    out.push('}');
  });
  if (o.extraConfig) out.push(o.extraConfig);
  return `${out.join('\n')}\n`;
}

/** Parses `birdc show route all` text into routes (one per path). */
export function parseBirdRoutes(text: string): BirdRoute[] {
  const routes: BirdRoute[] = [];
  let prefix = '';
  for (const line of text.split('\n')) {
    const head = /^(\S+\/\d+)?\s+(?:unicast|blackhole|unreachable|prohibited|\S+)\s+\[(\S+)[^\]]*\]\s*(\*)?/.exec(line);
    if (head && (head[1] || (prefix && /^\s+\S+\s+\[/.test(line)))) {
      if (head[1]) prefix = head[1];
      routes.push({ prefix, protocol: head[2] ?? '', primary: head[3] === '*', via: [] });
      continue;
    }
    const via = /^\s+via (\S+)/.exec(line);
    const last = routes[routes.length - 1];
    if (via && last && via[1]) last.via.push(via[1]);
  }
  return routes;
}

/** Parses the `birdc show protocols` table (Since may be `hh:mm:ss.sss` or a date and a time). */
export function parseBirdProtocols(text: string): BirdProtocol[] {
  return text
    .split('\n')
    .filter((l) => !/^(BIRD .* ready\.|Name\s+Proto)/.test(l))
    .map((l) => /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+(?:\s+\d\d:\d\d:\d\d\S*)?\s*(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1] ?? '', proto: m[2] ?? '', table: m[3] ?? '', state: m[4] ?? '', info: (m[5] ?? '').trim() }));
}

export class BirdRouter {
  readonly ns: Netns;
  readonly name: string;
  readonly configFile: string;
  readonly controlSocket: string;
  readonly process: LabProcess;

  private constructor(ns: Netns, name: string, configFile: string, controlSocket: string, proc: LabProcess) {
    this.ns = ns;
    this.name = name;
    this.configFile = configFile;
    this.controlSocket = controlSocket;
    this.process = proc;
  }

  static async start(lab: Lab, ns: Netns, options: StartBirdOptions): Promise<BirdRouter> {
    const name = options.name ?? 'bird';
    const dir = await lab.tempDir(`${ns.name}-${name}`);
    const configFile = join(dir, 'bird.conf');
    const controlSocket = join(dir, 'bird.ctl');
    await writeFile(configFile, renderBirdConfig(options));
    const proc = ns.spawn('bird', ['-f', '-c', configFile, '-s', controlSocket, '-P', join(dir, 'bird.pid')], { name });
    const router = new BirdRouter(ns, `${ns.name}/${name}`, configFile, controlSocket, proc);
    lab.onDump(`bird ${router.name}`, async () => (await router.birdc('show protocols all')) + (await router.birdc('show route all')));
    await waitReady([proc], async () => (await router.birdc('show status')).includes('Daemon is up and running'), `${router.name} control socket`);
    return router;
  }

  /** One birdc command (words split on spaces); stdout text. The control socket is a file, so no netns needed. */
  async birdc(command: string): Promise<string> {
    return (await run('birdc', ['-s', this.controlSocket, ...command.split(' ')])).stdout;
  }

  async protocols(): Promise<BirdProtocol[]> {
    return parseBirdProtocols(await this.birdc('show protocols'));
  }

  /** 'Established', 'Active', 'Connect', … from `show protocols all <name>`. */
  async bgpState(protocol: string): Promise<string | undefined> {
    return /BGP state:\s+(\w+)/.exec(await this.birdc(`show protocols all ${protocol}`))?.[1];
  }

  async routes(): Promise<BirdRoute[]> {
    return parseBirdRoutes(await this.birdc('show route all'));
  }

  async waitEstablished(protocol: string, opts: WaitOptions = {}): Promise<void> {
    await waitFor(async () => (await this.bgpState(protocol)) === 'Established', {
      timeoutMs: 20_000,
      what: `${this.name}: BGP protocol ${protocol} Established`,
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

export function startBird(lab: Lab, ns: Netns, options: StartBirdOptions): Promise<BirdRouter> {
  return BirdRouter.start(lab, ns, options);
}
