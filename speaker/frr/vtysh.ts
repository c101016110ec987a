// The only way Portside talks to the node's FRR: `vtysh [--vty_socket DIR] -c … -c …`, one
// process per call, bounded in time and output. A failure is a value carrying vtysh's own
// complaint (it prints configuration errors on stdout and exits non-zero).
import { execFile } from 'node:child_process';

export type VtyshResult = { ok: true; stdout: string } | { ok: false; error: string };

export interface Vtysh {
  run(commands: readonly string[]): Promise<VtyshResult>;
}

export interface VtyshOptions {
  /** The vtysh binary; default "vtysh". */
  bin?: string;
  /** FRR's vty socket directory; default vtysh's own. */
  socketDir?: string | undefined;
  timeoutMs?: number;
}

const MAX_OUTPUT = 16 << 20;

export class VtyshProcess implements Vtysh {
  private readonly bin: string;
  private readonly socketDir: string | undefined;
  private readonly timeoutMs: number;

  constructor(opts: VtyshOptions = {}) {
    this.bin = opts.bin ?? 'vtysh';
    this.socketDir = opts.socketDir;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  run(commands: readonly string[]): Promise<VtyshResult> {
    const args = [...(this.socketDir ? ['--vty_socket', this.socketDir] : []), ...commands.flatMap((c) => ['-c', c])];
    return new Promise((resolve) => {
      execFile(this.bin, args, { timeout: this.timeoutMs, maxBuffer: MAX_OUTPUT }, (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, stdout });
        const said = `${stdout}\n${stderr}`.trim().split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ');
        const code = (err as { code?: unknown }).code;
        resolve({ ok: false, error: `${this.bin} ${commands.map((c) => `-c '${c}'`).join(' ')}: ${code === 'ENOENT' ? 'not found' : said || err.message}` });
      });
    });
  }
}
