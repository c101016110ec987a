// Interface facts from /sys/class/net (no netlink needed): index, MAC, flags, master.
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
    return info;
  } catch {
    return undefined;
  }
}
