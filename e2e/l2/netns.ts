// Helpers for *.netns.test.ts: root gate, commands, and namespaces/processes that are
// always cleaned up (by name and PID) even when a test fails.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** True when the test may go on; otherwise skips loudly, or throws when CI=true. */
export function requireRoot(t: TestContext): boolean {
  if (process.getuid?.() === 0) return true;
  const why = `${t.name}: needs root for network namespaces`;
  if (process.env.CI === 'true') throw new Error(`${why} (CI=true, so this is a failure)`);
  console.error(`SKIP ${why}`);
  t.skip(why);
  return false;
}

export async function run(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { encoding: 'utf8' });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

export class NetnsLab {
  readonly prefix = `psl2${randomBytes(3).toString('hex')}`;
  readonly #namespaces: string[] = [];
  readonly #children: ChildProcess[] = [];

  /** Creates `<prefix>-<suffix>` with lo up and DAD off for interfaces made later. */
  async addNamespace(suffix: string): Promise<string> {
    const name = `${this.prefix}-${suffix}`;
    await run('ip', ['netns', 'add', name]);
    this.#namespaces.push(name);
    await this.exec(name, 'ip', ['link', 'set', 'lo', 'up']);
    await this.exec(name, 'sysctl', ['-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    return name;
  }

  exec(ns: string, command: string, args: string[]): Promise<string> {
    return run('ip', ['netns', 'exec', ns, command, ...args]);
  }

  /** Starts a Node script inside a namespace; its stdout/stderr are collected. */
  spawnNode(ns: string, script: string, args: string[]): NodeWorker {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, script, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#children.push(child);
    return new NodeWorker(child);
  }

  async cleanup(): Promise<void> {
    for (const child of this.#children) {
      // `ip netns exec` execs node in place, so this PID is the worker itself.
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const name of this.#namespaces.splice(0)) {
      await run('ip', ['netns', 'del', name]).catch((err: Error) => console.error(`cleanup: ${err.message}`));
    }
  }
}

export class NodeWorker {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(child: ChildProcess) {
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Lines of JSON the worker printed on stdout. */
  messages(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  describe(): string {
    return `worker pid ${this.child.pid} exit ${this.child.exitCode}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`;
  }
}
