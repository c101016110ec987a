// A lab node's own cgroup root (the kubelet's `cgroupRoot`): made in every cgroup v1
// hierarchy before the kubelet starts (it refuses a root that is missing from one), emptied
// and removed when the node goes — in v1 and in the v2 `unified` hierarchy, which runc also
// writes to on a hybrid machine. Synchronous, so an exit handler can run it too.
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unescapeMountPath } from './mounts.ts';

export interface CgroupMount {
  path: string;
  v2: boolean;
  /** v1 controllers (and `name=…` of named hierarchies) from the super options. */
  options: string[];
}

export function cgroupMounts(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): CgroupMount[] {
  return mountinfo.split('\n').flatMap((line) => {
    const [left = '', right = ''] = line.split(' - ');
    const [fstype, , superOpts = ''] = right.split(' ');
    const mountPoint = left.split(' ')[4];
    if (!mountPoint || (fstype !== 'cgroup' && fstype !== 'cgroup2')) return [];
    return [{ path: unescapeMountPath(mountPoint), v2: fstype === 'cgroup2', options: superOpts.split(',') }];
  });
}

/** Makes `root` (e.g. /portside-ab12-n1) in every v1 hierarchy; a new cpuset copies its parent's CPUs and memory nodes. */
export function createCgroupRoot(root: string, mounts = cgroupMounts()): void {
  for (const m of mounts.filter((x) => !x.v2)) {
    const dir = join(m.path, root);
    mkdirSync(dir, { recursive: true });
    if (!m.options.includes('cpuset')) continue;
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      const current = readFileSync(join(dir, file), 'utf8').trim();
      if (current === '') writeFileSync(join(dir, file), readFileSync(join(dirname(dir), file)));
    }
  }
}

/** Every cgroup directory under `root`, deepest first, in every hierarchy (v1 and v2). */
export function cgroupDirs(root: string, mounts = cgroupMounts()): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // absent here, or removed meanwhile
    }
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
    found.push(dir);
  };
  for (const m of mounts) walk(join(m.path, root));
  return found;
}

/** PIDs of every process in `root`'s cgroups. */
export function cgroupPids(root: string, mounts = cgroupMounts()): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupDirs(root, mounts)) {
    try {
      for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) pids.add(Number(pid));
    } catch {
      // removed meanwhile
    }
  }
  return [...pids];
}

/** Removes `root` (deepest cgroups first) everywhere; returns what could not be removed. */
export function removeCgroupRoot(root: string, mounts = cgroupMounts()): string[] {
  const left: string[] = [];
  for (const dir of cgroupDirs(root, mounts)) {
    try {
      rmdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') left.push(`${dir}: ${(err as Error).message}`);
    }
  }
  return left;
}
