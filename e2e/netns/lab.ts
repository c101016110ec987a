// A lab: uniquely-prefixed namespaces, bridges, veths and processes that one test owns,
// all removed by destroy(), even after a half-built setup failed.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTeardown } from './cleanup.ts';
import { run } from './exec.ts';
import { Netns, type ProcessTracker } from './netns.ts';
import type { LabProcess } from './process.ts';

export interface LabOptions {
  /** Namespace-name prefix; default `ps` + 4 random hex digits. */
  prefix?: string;
}

export interface NamespaceOptions {
  /** net.ipv4.ip_forward and net.ipv6.conf.all.forwarding (routers want this). */
  forwarding?: boolean;
}

/** A Linux bridge living in the lab's switch namespace. */
export interface Bridge {
  readonly name: string;
  readonly switchNs: Netns;
}

export interface LinkOptions {
  /** Interface name inside the node namespace (≤ 15 chars). */
  ifname: string;
  /** CIDRs, IPv4 and/or IPv6, e.g. ['198.51.100.11/24', '2001:db8:100::11/64']. */
  addrs?: readonly string[];
  mac?: string;
  mtu?: number;
}

/** A namespace attached to a bridge by a veth pair; the bridge side is `port`. */
export interface Link {
  readonly ns: Netns;
  readonly ifname: string;
  readonly bridge: Bridge;
  readonly port: string;
  /** Switch-side port down: the node goes silent without its own interface flapping first. */
  setDown(): Promise<void>;
  setUp(): Promise<void>;
  mac(): Promise<string>;
}

export type VethEnd = LinkOptions;

export interface Veth {
  readonly a: { ns: Netns; ifname: string };
  readonly b: { ns: Netns; ifname: string };
  setDown(side: 'a' | 'b'): Promise<void>;
  setUp(side: 'a' | 'b'): Promise<void>;
}

const IFNAMSIZ = 15;

function checkIfname(name: string): void {
  if (name.length === 0 || name.length > IFNAMSIZ || /[\s/]/.test(name)) {
    throw new Error(`bad interface name ${JSON.stringify(name)}: 1–${IFNAMSIZ} chars, no spaces or '/'`);
  }
}

export class Lab implements ProcessTracker {
  readonly prefix: string;
  /** Temp dir for configs, sockets and logs (mode 0755 so dropped-privilege daemons read it). */
  readonly dir: string;
  readonly #namespaces = new Map<string, Netns>();
  readonly #processes: LabProcess[] = [];
  readonly #dirs: string[] = [];
  readonly #cleanups: Array<{ label: string; fn: () => Promise<void> }> = [];
  readonly #dumpers: Array<{ label: string; fn: () => Promise<string> }> = [];
  readonly #unregister: () => void;
  #switchNs: Promise<Netns> | undefined;
  #ports = 0;
  #destroyed: Promise<void> | undefined;

  private constructor(prefix: string) {
    if (!/^[a-z][a-z0-9]{1,9}$/.test(prefix)) throw new Error(`lab prefix ${prefix}: 2–10 of [a-z0-9]`);
    this.prefix = prefix;
    this.dir = mkdtempSync(join(tmpdir(), `portside-${prefix}-`));
    chmodSync(this.dir, 0o755);
    this.#unregister = registerTeardown(() => this.#destroySync());
  }

  static async create({ prefix = `ps${randomBytes(2).toString('hex')}` }: LabOptions = {}): Promise<Lab> {
    return new Lab(prefix);
  }

  get namespaces(): readonly Netns[] {
    return [...this.#namespaces.values()];
  }

  get processes(): readonly LabProcess[] {
    return this.#processes;
  }

  trackProcess(proc: LabProcess): void {
    this.#processes.push(proc);
  }

  /** Removes `path` (recursively) on destroy: e.g. a daemon's run dir outside the lab dir. */
  trackDir(path: string): void {
    this.#dirs.push(path);
  }

  /** Runs `fn` on destroy, before processes are stopped and namespaces deleted (LIFO). */
  onDestroy(label: string, fn: () => Promise<void>): void {
    this.#cleanups.push({ label, fn });
  }

  /** Adds a section to dump(), e.g. a router's `show bgp summary`. */
  onDump(label: string, fn: () => Promise<string>): void {
    this.#dumpers.push({ label, fn });
  }

  /** A subdirectory of the lab dir, mode 0755. */
  async tempDir(name: string): Promise<string> {
    const path = join(this.dir, name);
    await mkdir(path, { recursive: true, mode: 0o755 });
    return path;
  }

  /**
   * A namespace named `<prefix>-<name>`: loopback up, IPv6 DAD off (addresses usable at
   * once), IPv6 addresses kept when a link goes down, optional forwarding.
   */
  async namespace(name: string, { forwarding = false }: NamespaceOptions = {}): Promise<Netns> {
    const full = `${this.prefix}-${name}`;
    if (this.#namespaces.has(full)) throw new Error(`namespace ${full} already exists in this lab`);
    const ns = new Netns(full, this);
    this.#namespaces.set(full, ns); // before creating: destroy() must see a half-made one
    await run('ip', ['netns', 'add', full]);
    await ns.ip(['link', 'set', 'lo', 'up']);
    await ns.sysctls({
      'net.ipv6.conf.all.accept_dad': 0,
      'net.ipv6.conf.default.accept_dad': 0,
      'net.ipv6.conf.all.keep_addr_on_down': 1,
      'net.ipv6.conf.default.keep_addr_on_down': 1,
      ...(forwarding ? { 'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1 } : {}),
    });
    return ns;
  }

  /** The namespace that holds every bridge of this lab (made on first use). */
  switchNamespace(): Promise<Netns> {
    this.#switchNs ??= this.namespace('sw');
    return this.#switchNs;
  }

  /** A bridge `br-<name>` in the switch namespace: no STP, no forward delay, no MLD snooping. */
  async bridge(name: string): Promise<Bridge> {
    const brName = `br-${name}`;
    checkIfname(brName);
    const sw = await this.switchNamespace();
    // Snooping off: with no querier on the lab LAN it can stop NDP multicast reaching ports.
    await sw.ip(['link', 'add', 'name', brName, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0', 'mcast_snooping', '0']);
    await sw.ip(['link', 'set', brName, 'up']);
    return { name: brName, switchNs: sw };
  }

  /** Plugs `ns` into `bridge` with a veth pair: `opts.ifname` in `ns`, a numbered port on the switch. */
  async link(ns: Netns, bridge: Bridge, opts: LinkOptions): Promise<Link> {
    checkIfname(opts.ifname);
    const sw = bridge.switchNs;
    const port = `p${++this.#ports}-${ns.name.slice(this.prefix.length + 1)}`.slice(0, IFNAMSIZ);
    await sw.ip(['link', 'add', port, 'type', 'veth', 'peer', 'name', opts.ifname, 'netns', ns.name]);
    await sw.ip(['link', 'set', port, 'master', bridge.name, 'up']);
    await this.#configureEnd(ns, opts);
    return {
      ns,
      ifname: opts.ifname,
      bridge,
      port,
      setDown: async () => void (await sw.ip(['link', 'set', port, 'down'])),
      setUp: async () => void (await sw.ip(['link', 'set', port, 'up'])),
      mac: () => ns.mac(opts.ifname),
    };
  }

  /** A point-to-point veth pair between two namespaces. */
  async veth(a: Netns, b: Netns, ends: { a: VethEnd; b: VethEnd }): Promise<Veth> {
    checkIfname(ends.a.ifname);
    checkIfname(ends.b.ifname);
    await a.ip(['link', 'add', ends.a.ifname, 'type', 'veth', 'peer', 'name', ends.b.ifname, 'netns', b.name]);
    await this.#configureEnd(a, ends.a);
    await this.#configureEnd(b, ends.b);
    const side = (s: 'a' | 'b') => (s === 'a' ? { ns: a, ifname: ends.a.ifname } : { ns: b, ifname: ends.b.ifname });
    return {
      a: side('a'),
      b: side('b'),
      setDown: (s) => side(s).ns.linkUp(side(s).ifname, false),
      setUp: (s) => side(s).ns.linkUp(side(s).ifname, true),
    };
  }

  async #configureEnd(ns: Netns, { ifname, addrs = [], mac, mtu }: LinkOptions): Promise<void> {
    if (mac) await ns.ip(['link', 'set', ifname, 'address', mac]);
    if (mtu) await ns.ip(['link', 'set', ifname, 'mtu', String(mtu)]);
    for (const cidr of addrs) await ns.addAddress(ifname, cidr);
    await ns.linkUp(ifname);
  }

  /** Everything worth seeing when a lab test fails: namespaces, bridge ports, logs, routers. */
  async dump(): Promise<string> {
    const out: string[] = [`==== lab ${this.prefix} (dir ${this.dir}) ====`];
    for (const ns of this.#namespaces.values()) out.push(`---- netns ${ns.name}\n${await ns.describe()}`);
    if (this.#switchNs) {
      try {
        const sw = await this.#switchNs;
        out.push(`---- bridge ports\n${(await sw.exec('bridge', ['link'])).stdout.trimEnd()}`);
      } catch (err) {
        out.push(`---- bridge ports: ${(err as Error).message}`);
      }
    }
    for (const { label, fn } of this.#dumpers) {
      try {
        out.push(`---- ${label}\n${(await fn()).trimEnd()}`);
      } catch (err) {
        out.push(`---- ${label}: ${(err as Error).message}`);
      }
    }
    for (const p of this.#processes) out.push(`---- process ${p.describe()}`);
    return out.join('\n');
  }

  /** Runs `body`; if it throws, prints dump() to stderr and rethrows. */
  async dumpOnFailure<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      try {
        process.stderr.write(`${await this.dump()}\n`);
      } catch (dumpErr) {
        process.stderr.write(`lab ${this.prefix}: dump failed: ${(dumpErr as Error).message}\n`);
      }
      throw err;
    }
  }

  /** Removes everything the lab made. Idempotent; errors are collected, not fatal midway. */
  destroy(): Promise<void> {
    this.#destroyed ??= this.#destroy();
    return this.#destroyed;
  }

  async #destroy(): Promise<void> {
    const errors: string[] = [];
    for (const { label, fn } of [...this.#cleanups].reverse()) {
      await fn().catch((err: unknown) => errors.push(`${label}: ${(err as Error).message}`));
    }
    await Promise.all(this.#processes.map((p) => p.stop({ timeoutMs: 2_000 })));
    for (const name of this.#namespaces.keys()) {
      await run('ip', ['netns', 'del', name]).catch((err: unknown) => {
        if (!/No such file|not found|does not exist/i.test((err as Error).message)) errors.push((err as Error).message);
      });
    }
    for (const path of [...this.#dirs, this.dir]) {
      await rm(path, { recursive: true, force: true }).catch((err: unknown) => errors.push((err as Error).message));
    }
    this.#unregister();
    if (errors.length > 0) throw new Error(`lab ${this.prefix}: cleanup had errors:\n${errors.join('\n')}`);
  }

  // For the exit/signal handler: no awaiting possible there.
  #destroySync(): void {
    for (const p of this.#processes) p.signal('SIGKILL');
    for (const name of this.#namespaces.keys()) {
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    for (const path of [...this.#dirs, this.dir]) rmSync(path, { recursive: true, force: true });
  }
}
