// Runs a command and resolves with its output; rejects with the command line and stderr.
import { execFile } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  input?: string;
}

export class CommandError extends Error {
  readonly command: string;
  readonly code: number | string | null;
  readonly stdout: string;
  readonly stderr: string;

  constructor(command: string, code: number | string | null, stdout: string, stderr: string, cause: unknown) {
    const detail = (stderr.trim() || stdout.trim()).split('\n').slice(-5).join(' | ');
    super(`${command} failed (${code ?? 'signal'}): ${detail}`, { cause });
    this.name = 'CommandError';
    this.command = command;
    this.code = code;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

export function run(cmd: string, args: readonly string[], { timeoutMs = 30_000, input }: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
          reject(new CommandError([cmd, ...args].join(' '), code, stdout, stderr, err));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function runJson<T>(cmd: string, args: readonly string[], opts?: ExecOptions): Promise<T> {
  const { stdout } = await run(cmd, args, opts);
  const text = stdout.trim();
  try {
    return JSON.parse(text === '' ? 'null' : text) as T;
  } catch (err) {
    throw new Error(`${[cmd, ...args].join(' ')}: output is not JSON: ${text.slice(0, 200)}`, { cause: err });
  }
}
