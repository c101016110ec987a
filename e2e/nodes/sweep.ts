// What a node's kubelet and containerd leave behind once they are stopped (or killed):
// container processes (found by the node's cgroups), containerd shims (found by the node's
// containerd socket on their command line), mounts under the node's dir, shim sockets in
// /run/containerd/s, the CNI result cache, /var/log/containers links and the cgroups
// themselves. Only what this node made is touched. Synchronous, so the exit handler runs
// it too; the last step removes the node's directory, and only once nothing is mounted there.
import { readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cgroupPids, removeCgroupRoot } from './cgroups.ts';
import type { NodePaths } from './config.ts';
import { unmountUnder } from './mounts.ts';

const SHIM_SOCKETS = '/run/containerd/s';
const CNI_RESULTS = '/var/lib/cni/results';
const CONTAINER_LOG_LINKS = '/var/log/containers';

export interface NodeLeftovers {
  paths: NodePaths;
  cgroupRoot: string;
  /** The CNI network name (the result cache is keyed by it). */
  network: string;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** containerd-shim processes started by this node's containerd: `-address <its socket>` on the command line. */
export function shimPids(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const at = argv.indexOf('-address');
    if (at > 0 && argv[at + 1] === socket && /containerd-shim/.test(argv[0] ?? '')) pids.push(Number(entry));
  }
  return pids;
}

/** SIGKILLs every process in the node's cgroups, then its shims, until none is left (or 10 s). */
export function killContainers(leftovers: NodeLeftovers): number[] {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pids = [...cgroupPids(leftovers.cgroupRoot), ...shimPids(leftovers.paths.containerdSocket)];
    if (pids.length === 0 || Date.now() > deadline) return pids;
    pids.forEach(kill);
    sleepSync(50);
  }
}

/** The sockets the node's shims listen on: each task bundle records its shim's `address`. */
function shimSockets(paths: NodePaths): string[] {
  const bundles = join(paths.containerdState, 'io.containerd.runtime.v2.task', 'k8s.io');
  let ids: string[];
  try {
    ids = readdirSync(bundles);
  } catch {
    return [];
  }
  return ids.flatMap((id) => {
    try {
      const address = readFileSync(join(bundles, id, 'address'), 'utf8').trim().replace(/^unix:\/\//, '');
      return address.startsWith(`${SHIM_SOCKETS}/`) ? [address] : [];
    } catch {
      return [];
    }
  });
}

/** Pod sandboxes the node's containerd knows (their IDs key the CNI result cache). */
function sandboxIds(paths: NodePaths): string[] {
  return [paths.containerdRoot, paths.containerdState].flatMap((d) => {
    try {
      return readdirSync(join(d, 'io.containerd.grpc.v1.cri', 'sandboxes'));
    } catch {
      return [];
    }
  });
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (someone else's), or absent
  }
}

function removeMatching(dir: string, keep: (name: string) => boolean): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (!keep(name)) rmSync(join(dir, name), { force: true });
  removeIfEmpty(dir);
}

/**
 * Removes everything the node left (its daemons must be stopped first); returns what could
 * not be removed, empty when the node is gone without a trace.
 */
export function sweepNode(leftovers: NodeLeftovers): string[] {
  const { paths } = leftovers;
  // Read before the kill: containerd removes a dead shim's bundle.
  const sockets = shimSockets(paths);
  const sandboxes = sandboxIds(paths);
  const problems = killContainers(leftovers).map((pid) => `pid ${pid} survives SIGKILL`);
  const mounted = unmountUnder(paths.dir);
  problems.push(...mounted.map((m) => `still mounted: ${m}`));
  for (const s of sockets) rmSync(s, { force: true });
  removeIfEmpty(SHIM_SOCKETS);
  removeIfEmpty('/run/containerd');
  problems.push(...removeCgroupRoot(leftovers.cgroupRoot));
  // libcni caches `<network>-<sandbox>-<ifname>`, for the pod network and containerd's loopback.
  removeMatching(CNI_RESULTS, (name) => !name.startsWith(`${leftovers.network}-`) && !sandboxes.some((id) => name.includes(`-${id}-`)));
  removeIfEmpty('/var/lib/cni');
  removeMatching(CONTAINER_LOG_LINKS, (name) => {
    try {
      return !readlinkSync(join(CONTAINER_LOG_LINKS, name)).startsWith(`${paths.podLogs}/`);
    } catch {
      return true;
    }
  });
  // Never remove through a mount: a volume could be a bind of the host's own files.
  if (mounted.length === 0) rmSync(paths.dir, { recursive: true, force: true });
  removeIfEmpty(dirname(paths.dir)); // the lab's nodes' dir, with its last node
  return problems;
}
