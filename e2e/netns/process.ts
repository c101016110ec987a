// A long-running process started inside a namespace, tracked by PID so cleanup never
// has to guess by name (no pkill/killall: other labs and other engineers share the host).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { run } from './exec.ts';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** File name (inside the lab dir) that receives stdout and stderr. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class LabProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  #exit: ProcessExit | undefined;

  constructor(name: string, argv: readonly string[], { logFile, env, cwd }: SpawnOptions) {
    const [cmd, ...args] = argv;
    if (cmd === undefined) throw new Error('LabProcess: empty argv');
    this.name = name;
    this.logFile = logFile;
    const fd = openSync(logFile, 'a');
    try {
      this.child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: env ?? process.env, cwd });
    } finally {
      closeSync(fd);
    }
    if (this.child.pid === undefined) {
      throw new Error(`LabProcess ${name}: could not start ${argv.join(' ')}`);
    }
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
      this.child.once('error', () => {
        this.#exit ??= { code: null, signal: null };
        resolve(this.#exit);
      });
    });
    // Never hold the test's event loop open; the lab stops us by PID.
    this.child.unref();
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  get exitStatus(): ProcessExit | undefined {
    return this.#exit;
  }

  /** Sends a signal by PID; false when the process is already gone. */
  signal(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (!this.running) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGTERM, wait up to timeoutMs, then SIGKILL. Resolves once the process has exited. */
  async stop({ timeoutMs = 3_000 }: { timeoutMs?: number } = {}): Promise<ProcessExit> {
    if (!this.running) return this.#exit as ProcessExit;
    this.signal('SIGTERM');
    // A ref'd timer: the child is unref'd, so something must keep the loop alive meanwhile.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const outcome = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.signal('SIGKILL');
    return this.waitExit();
  }

  /** SIGKILL (a crashed node, as the faults section of the design asks for). */
  async kill(): Promise<ProcessExit> {
    this.signal('SIGKILL');
    return this.waitExit();
  }

  /** Resolves on exit; keeps the event loop alive meanwhile (the child itself is unref'd). */
  async waitExit(): Promise<ProcessExit> {
    const keepAlive = setInterval(() => {}, 1_000);
    try {
      return await this.exited;
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** The JSON objects the process printed, one per line (other lines skipped). */
  jsonLines<T = Record<string, unknown>>(): T[] {
    let text: string;
    try {
      text = readFileSync(this.logFile, 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as T];
      } catch {
        return [];
      }
    });
  }

  /** Name, PID, exit status and the log's tail: for failure messages and lab dumps. */
  describe(lines = 30): string {
    const status = this.running ? 'running' : `exited ${JSON.stringify(this.exitStatus)}`;
    return `${this.name} pid ${this.pid} ${status}, log ${this.logFile}\n${this.logTail(lines)}`;
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch (err) {
      return `(no log: ${(err as Error).message})`;
    }
  }
}

/**
 * Sets every thread of the processes (nice is per thread on Linux) to `nice`: the lab's
 * stand-in for a Pod or router with CPU of its own on a busy shared machine.
 */
export async function reniceThreads(pids: readonly number[], nice: number): Promise<void> {
  const tids = pids.flatMap((pid) => readdirSync(`/proc/${pid}/task`));
  await run('renice', ['-n', String(nice), '-p', ...tids]);
}
