// Interface facts from /sys/class/net (no netlink needed): index, MAC, flags, master.
import { readFileSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';

const IFF_UP = 0x1;
const IFF_NOARP = 0x80;

export interface InterfaceInfo {
  name: string;
  ifindex: number;
  mac: string;
  up: boolean;
  noArp: boolean;
  /** Bridge or bond this interface is enslaved to. */
  master?: string;
  /** false when the link has no carrier (operstate down / lowerlayerdown); absent if unknown. */
  carrier?: boolean;
}

const NO_CARRIER = new Set(['down', 'lowerlayerdown', 'notpresent']);

function carrierOf(operstate: string | undefined): boolean | undefined {
  return operstate === undefined || operstate === '' ? undefined : !NO_CARRIER.has(operstate);
}

/** Reads an interface from sysfs (of the caller's network namespace); undefined if absent. */
export async function readInterfaceInfo(name: string, sysfs = '/sys/class/net'): Promise<InterfaceInfo | undefined> {
  if (name.includes('/') || name === '.' || name === '..') return undefined;
  const dir = join(sysfs, name);
  try {
    const [ifindex, address, flags] = await Promise.all(
      ['ifindex', 'address', 'flags'].map((f) => readFile(join(dir, f), 'utf8').then((s) => s.trim())),
    );
    const flagBits = Number.parseInt(flags ?? '', 16);
    const info: InterfaceInfo = {
      name,
      ifindex: Number(ifindex),
      mac: (address ?? '').toLowerCase(),
      up: (flagBits & IFF_UP) !== 0,
      noArp: (flagBits & IFF_NOARP) !== 0,
    };
    const master = await readlink(join(dir, 'master')).catch(() => undefined);
    if (master) info.master = basename(master);
    const carrier = carrierOf(await readFile(join(dir, 'operstate'), 'utf8').then((s) => s.trim(), () => undefined));
    if (carrier !== undefined) info.carrier = carrier;
    return info;
  } catch {
    return undefined;
  }
}

/**
 * Whether a link is administratively up with carrier, read synchronously (two small sysfs
 * files: cheap enough to poll every 50 ms); undefined when the interface does not exist.
 */
export function linkUsableNow(name: string, sysfs = '/sys/class/net'): boolean | undefined {
  if (name.includes('/') || name === '.' || name === '..') return undefined;
  try {
    const flags = Number.parseInt(readFileSync(join(sysfs, name, 'flags'), 'utf8').trim(), 16);
    let operstate: string | undefined;
    try {
      operstate = readFileSync(join(sysfs, name, 'operstate'), 'utf8').trim();
    } catch {
      operstate = undefined;
    }
    return (flags & IFF_UP) !== 0 && carrierOf(operstate) !== false;
  } catch {
    return undefined;
  }
}
