// One network namespace: run commands in it, start tracked processes, read its tables.
import { join } from 'node:path';
import { run, runJson, type ExecOptions, type ExecResult } from './exec.ts';
import { LabProcess } from './process.ts';

/** What a namespace needs from its lab: somewhere to put logs, and a register of processes. */
export interface ProcessTracker {
  readonly dir: string;
  trackProcess(proc: LabProcess): void;
}

/** One entry of `ip -j neigh`. */
export interface Neighbor {
  dst: string;
  dev: string;
  lladdr?: string;
  state?: string[];
  router?: null;
}

/** A next hop as `ip -j route` prints it, either top level or inside `nexthops`. */
export interface RouteNextHop {
  gateway?: string;
  dev?: string;
  weight?: number;
  flags?: string[];
}

/** One entry of `ip -j route`. */
export interface KernelRoute extends RouteNextHop {
  dst: string;
  protocol?: string;
  metric?: number;
  nhid?: number;
  type?: string;
  nexthops?: RouteNextHop[];
}

export type Family = 4 | 6;

export interface InterfaceAddress {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope: string;
}

export interface RouteSpec {
  dst: string;
  via?: string | string[];
  dev?: string;
  table?: number;
}

export class Netns {
  readonly name: string;
  readonly #tracker: ProcessTracker;

  constructor(name: string, tracker: ProcessTracker) {
    this.name = name;
    this.#tracker = tracker;
  }

  /** `ip netns exec <ns> cmd args…` */
  exec(cmd: string, args: readonly string[] = [], opts?: ExecOptions): Promise<ExecResult> {
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], opts);
  }

  execJson<T>(cmd: string, args: readonly string[] = [], opts?: ExecOptions): Promise<T> {
    return runJson<T>('ip', ['netns', 'exec', this.name, cmd, ...args], opts);
  }

  /** `ip -n <ns> args…` */
  ip(args: readonly string[]): Promise<ExecResult> {
    return run('ip', ['-n', this.name, ...args]);
  }

  /** `ip -j -n <ns> args…`, parsed. */
  async ipJson<T>(args: readonly string[]): Promise<T> {
    return (await runJson<T>('ip', ['-j', '-n', this.name, ...args])) ?? ([] as T);
  }

  /**
   * Starts a long-running process in the namespace, tracked by the lab (stopped by PID on
   * destroy). `ip netns exec` execs in place, so the PID is the program's own.
   */
  spawn(cmd: string, args: readonly string[] = [], opts: { name?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): LabProcess {
    const label = opts.name ?? cmd.split('/').pop() ?? cmd;
    const logFile = join(this.#tracker.dir, `${this.name}.${label}.log`);
    const proc = new LabProcess(`${this.name}/${label}`, ['ip', 'netns', 'exec', this.name, cmd, ...args], {
      logFile,
      env: opts.env,
      cwd: opts.cwd,
    });
    this.#tracker.trackProcess(proc);
    return proc;
  }

  async sysctl(key: string, value: string | number): Promise<void> {
    await this.sysctls({ [key]: value });
  }

  /** Several sysctls in one exec (each `ip netns exec` costs a few ms). */
  async sysctls(values: Record<string, string | number>): Promise<void> {
    await this.exec('sysctl', ['-q', '-w', ...Object.entries(values).map(([k, v]) => `${k}=${v}`)]);
  }

  async readSysctl(key: string): Promise<string> {
    return (await this.exec('sysctl', ['-n', key])).stdout.trim();
  }

  async addRoute({ dst, via, dev, table }: RouteSpec): Promise<void> {
    const args = ['route', 'replace', dst];
    const gateways = via === undefined ? [] : Array.isArray(via) ? via : [via];
    if (gateways.length > 1) {
      for (const gw of gateways) args.push('nexthop', 'via', gw, ...(dev ? ['dev', dev] : []));
    } else {
      if (gateways[0]) args.push('via', gateways[0]);
      if (dev) args.push('dev', dev);
    }
    if (table !== undefined) args.push('table', String(table));
    await this.ip(dst.includes(':') ? ['-6', ...args] : args);
  }

  /** `ip -j route show` for one family, optionally only the exact prefix `dst`. */
  routes(family: Family, dst?: string): Promise<KernelRoute[]> {
    return this.ipJson<KernelRoute[]>([`-${family}`, 'route', 'show', ...(dst ? ['exact', dst] : [])]);
  }

  /**
   * Gateways the kernel uses for exactly `dst`: one for a plain route, several for ECMP
   * (whether the route lists `nexthops` inline or points at a nexthop group by `nhid`).
   */
  async nextHops(dst: string): Promise<string[]> {
    const family: Family = dst.includes(':') ? 6 : 4;
    const [route] = await this.routes(family, dst);
    if (!route) return [];
    const hops = route.nexthops ?? [route];
    return hops.map((h) => h.gateway ?? h.dev ?? '?').sort();
  }

  neighbors(family?: Family): Promise<Neighbor[]> {
    return this.ipJson<Neighbor[]>([...(family ? [`-${family}`] : []), 'neigh', 'show']);
  }

  async mac(ifname: string): Promise<string> {
    const [link] = await this.ipJson<Array<{ address?: string }>>(['link', 'show', 'dev', ifname]);
    if (!link?.address) throw new Error(`${this.name}: no MAC for ${ifname}`);
    return link.address;
  }

  /** Addresses on `ifname` (`ip -j addr show dev`), e.g. { family: 'inet6', local, prefixlen, scope }. */
  async addresses(ifname: string): Promise<InterfaceAddress[]> {
    const [link] = await this.ipJson<Array<{ addr_info?: InterfaceAddress[] }>>(['addr', 'show', 'dev', ifname]);
    return link?.addr_info ?? [];
  }

  /** The fe80:: address of `ifname`: what FRR installs as IPv6 next hop when a peer sends one. */
  async linkLocal(ifname: string): Promise<string> {
    const ll = (await this.addresses(ifname)).find((a) => a.family === 'inet6' && a.scope === 'link');
    if (!ll) throw new Error(`${this.name}: ${ifname} has no IPv6 link-local address yet`);
    return ll.local;
  }

  async linkUp(ifname: string, up = true): Promise<void> {
    await this.ip(['link', 'set', 'dev', ifname, up ? 'up' : 'down']);
  }

  async addAddress(ifname: string, cidr: string): Promise<void> {
    // nodad: an IPv6 address is usable at once instead of after ~1 s of DAD.
    await this.ip(['addr', 'add', cidr, 'dev', ifname, ...(cidr.includes(':') ? ['nodad'] : [])]);
  }

  /** Human-readable state of the namespace for failure dumps. */
  async describe(): Promise<string> {
    const parts: string[] = [];
    for (const args of [['-br', 'link'], ['-br', 'addr'], ['route'], ['-6', 'route'], ['neigh']]) {
      try {
        parts.push(`$ ip ${args.join(' ')}\n${(await this.ip(args)).stdout.trimEnd()}`);
      } catch (err) {
        parts.push(`$ ip ${args.join(' ')}\n(${(err as Error).message})`);
      }
    }
    return parts.join('\n');
  }
}
