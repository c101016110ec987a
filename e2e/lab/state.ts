// The running lab's state file: one lab at a time (it owns 198.51.100.1 in the root
// namespace), found again by `make lab-down`, which tears it down by PID and name.
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../netns/index.ts';
import { sweepNode, type NodeLeftovers } from '../nodes/sweep.ts';
import { waitFor } from '../wait.ts';

export const STATE_DIR = join(process.env.XDG_RUNTIME_DIR || '/run', 'portside-lab');
export const STATE_FILE = join(STATE_DIR, 'lab.json');
/** Namespace prefix of every lab: `pslab` + 3 hex digits. */
export const PREFIX_PATTERN = /^pslab[0-9a-f]{3}$/;

export interface RecordedProcess {
  pid: number;
  name: string;
  /** A fragment of /proc/<pid>/cmdline: a recycled PID is never killed. */
  match: string;
}

export interface LabState {
  /** 'make': `make lab` (a person's lab, never taken over); 'test': a lab e2e test. */
  kind: 'make' | 'test';
  ownerPid: number;
  prefix: string;
  startedAt: string;
  ready: boolean;
  namespaces: string[];
  processes: RecordedProcess[];
  rootIf: string;
  dirs: string[];
  /** Real kubelet nodes (`make lab KUBELET=1`): their containers, mounts and cgroups. */
  kubeletNodes?: NodeLeftovers[];
  board?: string;
}

/** A lab is already up, or left over: the message says what to do. */
export class LabBusy extends Error {
  override name = 'LabBusy';
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export function readState(): LabState | undefined {
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

let writes: Promise<void> = Promise.resolve();

/** Replaces the state file atomically; writes from one process are serialized. */
export function writeState(state: LabState): Promise<void> {
  const text = JSON.stringify(state, null, 2);
  writes = writes.catch(() => undefined).then(async () => {
    await writeFile(`${STATE_FILE}.${process.pid}.tmp`, text);
    await rename(`${STATE_FILE}.${process.pid}.tmp`, STATE_FILE);
  });
  return writes;
}

function busyMessage(s: LabState): string {
  const who = s.kind === 'make' ? '`make lab`' : 'a lab e2e test';
  return alive(s.ownerPid)
    ? `a Portside lab is already up (${s.prefix}, started ${s.startedAt} by ${who}, pid ${s.ownerPid}): run \`make lab-down\` first`
    : `a stale Portside lab (${s.prefix}, started ${s.startedAt}) is left over: run \`make lab-down\` to remove it`;
}

/**
 * Claims the lab slot by creating the state file exclusively. `waitMs`: a test waits that
 * long for another test's lab to finish (and clears a dead test's leftovers itself).
 */
export async function claimLab(initial: LabState, { waitMs = 0 } = {}): Promise<void> {
  await mkdir(STATE_DIR, { recursive: true, mode: 0o755 });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await writeFile(STATE_FILE, JSON.stringify(initial, null, 2), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = readState();
    if (!held) {
      // Unreadable: being written right now, or garbage. Give the writer a moment.
      if (Date.now() > deadline + 2_000) throw new LabBusy(`${STATE_FILE} is unreadable: run \`make lab-down\``);
    } else if (held.kind === 'test' && initial.kind === 'test' && !alive(held.ownerPid)) {
      await sweep(held, () => undefined);
    } else if (held.kind === 'make' || Date.now() > deadline || !alive(held.ownerPid)) {
      throw new LabBusy(busyMessage(held));
    }
    await waitFor(() => readState()?.ownerPid !== held?.ownerPid || !alive(held?.ownerPid ?? 0), {
      timeoutMs: Math.max(500, Math.min(5_000, deadline - Date.now())), intervalMs: 200, what: 'the other lab to finish',
    }).catch(() => undefined);
  }
}

/** Drops the state file if it is still ours. */
export async function releaseLab(prefix: string): Promise<void> {
  if (readState()?.prefix === prefix) await rm(STATE_FILE, { force: true });
}

async function netnsList(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

/**
 * Removes a lab from its state: asks the owner to stop, then kills what is left by PID,
 * deletes its namespaces, root veth and directories, and the state file.
 */
export async function sweep(s: LabState, say: (line: string) => void): Promise<void> {
  if (s.ownerPid !== process.pid && alive(s.ownerPid) && cmdline(s.ownerPid).includes('node')) {
    say(`stopping lab owner pid ${s.ownerPid}`);
    process.kill(s.ownerPid, 'SIGTERM');
    await waitFor(() => !alive(s.ownerPid), { timeoutMs: 30_000, intervalMs: 100, what: `lab owner ${s.ownerPid} to exit` })
      .catch(() => process.kill(s.ownerPid, 'SIGKILL'));
  }
  for (const p of s.processes) {
    if (alive(p.pid) && cmdline(p.pid).includes(p.match)) {
      say(`killing ${p.name} (pid ${p.pid})`);
      process.kill(p.pid, 'SIGKILL');
    }
  }
  for (const node of s.kubeletNodes ?? []) {
    const problems = sweepNode(node);
    say(problems.length === 0 ? `swept kubelet node ${node.paths.dir}` : `kubelet node ${node.paths.dir}: ${problems.join('; ')}`);
  }
  const namespaces = new Set(s.namespaces);
  if (PREFIX_PATTERN.test(s.prefix)) for (const n of await netnsList()) if (n.startsWith(`${s.prefix}-`)) namespaces.add(n);
  for (const ns of namespaces) {
    const pids = await run('ip', ['netns', 'pids', ns]).then((r) => r.stdout.split('\n').filter(Boolean).map(Number), () => []);
    for (const pid of pids) {
      say(`killing pid ${pid} left in ${ns}`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    await run('ip', ['netns', 'del', ns]).then(() => say(`deleted namespace ${ns}`), () => undefined);
  }
  if (s.rootIf) await run('ip', ['link', 'del', s.rootIf]).then(() => say(`deleted ${s.rootIf}`), () => undefined);
  for (const dir of s.dirs) await rm(dir, { recursive: true, force: true });
  if (readState()?.prefix === s.prefix) await rm(STATE_FILE, { force: true });
}

/** The state file's lab, when its file is still readable (for `down`). */
export async function currentState(): Promise<LabState | undefined> {
  try {
    return JSON.parse(await readFile(STATE_FILE, 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}
