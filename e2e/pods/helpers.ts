// What the Pods test reads off a kubelet node: the `portside` processes in a node's cgroups,
// their /proc figures (capabilities, RSS, CPU), the kubelet's pod logs, and the failure runs
// in a client's probe record.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { cgroupMounts, cgroupPids } from '../nodes/cgroups.ts';
import type { ProbeSummary } from '../lab/http-probe.ts';

/** What these helpers need of a lab node running a kubelet. */
export interface KubeletHost {
  name: string;
  kubelet?: { cgroupRoot: string; paths: { podLogs: string } };
}

/** The capabilities a container's manifest grants, as the kernel's CapEff mask. */
export function capMask(names: readonly string[]): bigint {
  const bits: Record<string, number> = { NET_BIND_SERVICE: 10, NET_BROADCAST: 11, NET_ADMIN: 12, NET_RAW: 13, SYS_ADMIN: 21 };
  return names.reduce((m, n) => {
    const bit = bits[n];
    assert.ok(bit !== undefined, `capability ${n} known to the test`);
    return m | (1n << BigInt(bit));
  }, 0n);
}

export function procStatus(pid: number, field: string): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))?.split(/\s+/).slice(1).join(' ') ?? '';
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/** A process's CPU seconds (user + system) and age in seconds, from /proc. */
export function procCpu(pid: number): { cpuS: number; ageS: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15, starttime 22.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(f[n - 3]);
  const uptimeS = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return { cpuS: (field(14) + field(15)) / USER_HZ, ageS: uptimeS - field(22) / USER_HZ };
}

/**
 * The `portside <command>` processes in a node's containers (its cgroup root), by their argv:
 * the entry point's, or the controller's startup snapshot (`node --snapshot-blob …/controller.blob controller`).
 */
export function portsidePids(node: KubeletHost | undefined, command: 'controller' | 'speaker'): number[] {
  const root = node?.kubelet?.cgroupRoot;
  if (!root) return [];
  return cgroupPids(root).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv.some((a) => /\/portside(\.[jt]s)?$|\/controller\.blob$/.test(a)) && argv.includes(command);
    } catch {
      return false;
    }
  });
}

/** The UID of the Pod a process runs in, from its cgroup path (the kubelet's `pod<uid>` directory). */
export function podUidOf(pid: number): string | undefined {
  try {
    return /\/pod([0-9a-f-]{36})(?:\/|$)/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** The `portside <command>` process of one Pod, on the node it was scheduled to. */
export function portsidePid(nodes: readonly KubeletHost[], pod: V1Pod, command: 'controller' | 'speaker'): number | undefined {
  const node = nodes.find((n) => n.name === pod.spec?.nodeName);
  return portsidePids(node, command).find((pid) => podUidOf(pid) === pod.metadata?.uid);
}

/** The last lines each Pod container wrote on each node (the kubelet's pod-logs): why a Pod is not Ready. */
export function containerLogs(nodes: readonly KubeletHost[]): string {
  const lines: string[] = [];
  for (const n of nodes) {
    const dir = n.kubelet?.paths.podLogs;
    if (!dir) continue;
    for (const pod of readdirSync(dir)) {
      for (const c of readdirSync(join(dir, pod))) {
        for (const f of readdirSync(join(dir, pod, c))) {
          const tail = readFileSync(join(dir, pod, c, f), 'utf8').trim().split('\n').slice(-5).join('\n    ');
          lines.push(`  ${n.name} ${pod}/${c}/${f}:\n    ${tail}`);
        }
      }
    }
  }
  return lines.join('\n');
}

export const ready = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

export const inCidr = (ip: string, cidr: string): boolean => {
  const [net = '', len = '32'] = cidr.split('/');
  const n = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(len));
  return Math.floor(n(ip) / size) === Math.floor(n(net) / size);
};

export async function metrics(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  assert.equal(res.status, 200, `${url}: HTTP ${res.status}`);
  return res.text();
}

/** One run of consecutive failed requests: how many, and the time between the answers around it. */
export interface FailureGap {
  failed: number;
  /** From the last answer before the run to the first answer after it (or the run's last failure). */
  ms: number;
}

/** The runs of failed requests in probe records taken back to back, in order. */
export function failureGaps(records: ReadonlyArray<Pick<ProbeSummary, 'answers' | 'at'>>): FailureGap[] {
  const answers = records.flatMap((r) => r.answers);
  const at = records.flatMap((r) => r.at);
  const gaps: FailureGap[] = [];
  let i = 0;
  while (i < answers.length) {
    if (answers[i] !== '') {
      i++;
      continue;
    }
    const first = i;
    while (i < answers.length && answers[i] === '') i++;
    const from = first > 0 ? at[first - 1] ?? 0 : at[first] ?? 0;
    const to = i < answers.length ? at[i] ?? 0 : at[i - 1] ?? 0;
    gaps.push({ failed: i - first, ms: to - from });
  }
  return gaps;
}

/**
 * Each container of a Pod by its memory cgroup (the kubelet gives every container its own,
 * under the Pod's): the command names of its processes, and the cgroup's usage and high-water
 * mark in bytes — what the container's memory limit is enforced on. cgroup v2
 * (memory.current, memory.peak) or the v1 memory hierarchy (memory.usage_in_bytes,
 * memory.max_usage_in_bytes).
 */
export function podContainerMemory(nodes: readonly KubeletHost[], pod: V1Pod): { commands: string[]; current: number | undefined; peak: number | undefined }[] {
  const node = nodes.find((n) => n.name === pod.spec?.nodeName);
  const root = node?.kubelet?.cgroupRoot;
  if (!root) return [];
  const mounts = cgroupMounts();
  const v1 = mounts.find((m) => !m.v2 && m.options.includes('memory'));
  const v2 = mounts.find((m) => m.v2);
  const byCgroup = new Map<string, string[]>();
  for (const pid of cgroupPids(root)) {
    if (podUidOf(pid) !== pod.metadata?.uid) continue;
    try {
      const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
      const dir = v1 ? lines.find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l))?.split(':')[2] : lines.find((l) => l.startsWith('0::'))?.slice(3);
      if (!dir) continue;
      byCgroup.set(dir, [...(byCgroup.get(dir) ?? []), readFileSync(`/proc/${pid}/comm`, 'utf8').trim()]);
    } catch {
      // the process ended meanwhile
    }
  }
  const read = (path: string) => {
    try {
      return Number(readFileSync(path, 'utf8'));
    } catch {
      return undefined;
    }
  };
  return [...byCgroup].map(([dir, commands]) => {
    const [current, peak] = v1
      ? [read(join(v1.path, dir, 'memory.usage_in_bytes')), read(join(v1.path, dir, 'memory.max_usage_in_bytes'))]
      : [read(join(v2?.path ?? '/sys/fs/cgroup', dir, 'memory.current')), read(join(v2?.path ?? '/sys/fs/cgroup', dir, 'memory.peak'))];
    return { commands: commands.sort(), current, peak };
  });
}
