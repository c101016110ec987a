// Child processes of a test control plane: spawned with output to a log file, stopped by
// PID (SIGTERM, then SIGKILL after a deadline), and killed best-effort if Node exits first.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';

export interface ManagedProcess {
  name: string;
  pid: number;
  logPath: string;
  child: ChildProcess;
  /** Settles when the process has exited; never rejects. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitedAlready(): boolean;
}

// Everything this Node process started and has not stopped yet, for the exit hook.
const live = new Set<ManagedProcess>();
const tempDirs = new Set<string>();
let hooked = false;

function killEverythingSync(): void {
  for (const p of live) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killEverythingSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killEverythingSync();
      process.kill(process.pid, sig); // the once-handler is gone: default action now
    });
  }
}

export function registerTempDir(dir: string): void {
  hookExit();
  tempDirs.add(dir);
}

export function removeTempDir(dir: string): void {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

export function spawnLogged(name: string, bin: string, args: string[], logPath: string): ManagedProcess {
  hookExit();
  const fd = openSync(logPath, 'a');
  let done = false;
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once('error', () => {
      done = true;
      resolve({ code: null, signal: null });
    });
  });
  if (child.pid === undefined) {
    throw new Error(`${name}: could not spawn ${bin}`);
  }
  const proc: ManagedProcess = { name, pid: child.pid, logPath, child, exited, exitedAlready: () => done };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

export async function stopProcess(p: ManagedProcess, graceMs = 5_000): Promise<void> {
  if (!p.exitedAlready()) {
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {
      // exited in between
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    const outcome = await Promise.race([p.exited, deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // exited in between
      }
      await p.exited;
    }
  }
  live.delete(p);
}

export function logTail(path: string, lines = 30): string {
  try {
    const all = readFileSync(path, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A port that was free on `host` a moment ago (the caller retries on a clash). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
