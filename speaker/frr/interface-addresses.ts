// Connected mode's effects: the /32 and /128 on Portside's interface (a dummy `portside0`,
// created when absent — an ifb where the kernel has no dummy support — or `lo`), through
// iproute2's `ip` (JSON output). Only addresses the
// plan names are added or removed; the caller decides which ones are Portside's.
import { execFile } from 'node:child_process';
import { parseCidr, type Cidr } from '../../lib/ip/index.ts';

export type IpResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface InterfaceAddresses {
  readonly name: string;
  /** The addresses on the interface; undefined when the interface does not exist. */
  list(): Promise<IpResult<Cidr[] | undefined>>;
  /** Creates the interface (unless it is lo) and sets it up. */
  ensure(): Promise<IpResult<void>>;
  add(cidr: string): Promise<IpResult<void>>;
  remove(cidr: string): Promise<IpResult<void>>;
}

/** Pure: `ip -j addr show dev X` → its addresses (link-local ones included: they are never in a pool). */
export function parseIpAddrJson(text: string): IpResult<Cidr[]> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `ip -j addr: not JSON (${(err as Error).message})` };
  }
  if (!Array.isArray(json)) return { ok: false, error: 'ip -j addr: not a JSON array' };
  const out: Cidr[] = [];
  for (const link of json as unknown[]) {
    const infos = (link as { addr_info?: unknown } | null)?.addr_info;
    if (!Array.isArray(infos)) continue;
    for (const a of infos as { local?: unknown; prefixlen?: unknown }[]) {
      if (typeof a.local !== 'string' || typeof a.prefixlen !== 'number') continue;
      const c = parseCidr(`${a.local}/${a.prefixlen}`);
      if (c.ok) out.push(c.value);
    }
  }
  return { ok: true, value: out };
}

function ip(bin: string, args: readonly string[]): Promise<IpResult<string>> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 10_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) resolve({ ok: false, error: `${bin} ${args.join(' ')}: ${(stderr || err.message).trim().split('\n')[0]}` });
      else resolve({ ok: true, value: stdout });
    });
  });
}

export class IprouteInterface implements InterfaceAddresses {
  readonly name: string;
  private readonly bin: string;
  /** The link type created when the interface is absent. */
  private readonly kind: 'dummy' | 'ifb';

  constructor(name: string, bin = 'ip', kind: 'dummy' | 'ifb' = 'dummy') {
    this.name = name;
    this.bin = bin;
    this.kind = kind;
  }

  async list(): Promise<IpResult<Cidr[] | undefined>> {
    const shown = await ip(this.bin, ['-j', 'addr', 'show', 'dev', this.name]);
    if (!shown.ok) return /does not exist/i.test(shown.error) ? { ok: true, value: undefined } : shown;
    return parseIpAddrJson(shown.value);
  }

  async ensure(): Promise<IpResult<void>> {
    if (this.name !== 'lo') {
      const present = await ip(this.bin, ['link', 'show', 'dev', this.name]);
      if (!present.ok) {
        const made = await ip(this.bin, ['link', 'add', this.name, 'type', this.kind]);
        if (!made.ok && /unknown device type/i.test(made.error)) {
          return { ok: false, error: `cannot create the ${this.kind} interface ${this.name}: this kernel has no ${this.kind} support (modprobe ${this.kind}), so create ${this.name} on the node yourself, use --host-frr-interface lo, or set $PORTSIDE_HOST_FRR_INTERFACE_KIND to a link type the kernel has (dummy, ifb)` };
        }
        if (!made.ok) return made;
      }
    }
    const up = await ip(this.bin, ['link', 'set', this.name, 'up']);
    return up.ok ? { ok: true, value: undefined } : up;
  }

  async add(cidr: string): Promise<IpResult<void>> {
    // nodad: a /128 that waits for duplicate detection is not yet a connected route FRR would announce.
    const r = await ip(this.bin, ['addr', 'replace', cidr, 'dev', this.name, ...(cidr.includes(':') ? ['nodad'] : [])]);
    return r.ok ? { ok: true, value: undefined } : r;
  }

  async remove(cidr: string): Promise<IpResult<void>> {
    const r = await ip(this.bin, ['addr', 'del', cidr, 'dev', this.name]);
    return r.ok ? { ok: true, value: undefined } : r;
  }
}
