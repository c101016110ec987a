// The speaker's half of the reload protocol with the FRR container (docs/bgp-backends.md,
// frr-image/reloader.sh): in a shared directory the speaker writes `frr.conf` and then
// `reload.request` (a generation number), each atomically (temporary file + rename); the
// reloader applies frr.conf with frr-reload.py and answers in `reload.status`, one JSON line.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const CONFIG_FILE = 'frr.conf';
export const REQUEST_FILE = 'reload.request';
export const STATUS_FILE = 'reload.status';

export interface ReloadStatus {
  generation: number;
  ok: boolean;
  exitCode: number;
  at: string;
  /** The end of frr-reload.py's output. */
  output: string;
}

export type ParseStatus = { ok: true; status: ReloadStatus } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads reload.status; anything but the reloader's JSON line is an error value. */
export function parseReloadStatus(text: string): ParseStatus {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `${STATUS_FILE}: not JSON (${(err as Error).message})` };
  }
  if (!isObject(json)) return { ok: false, error: `${STATUS_FILE}: not a JSON object` };
  const { generation, ok, exitCode, at, output } = json;
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 0) return { ok: false, error: `${STATUS_FILE}: generation ${JSON.stringify(generation)} is not a whole number` };
  if (typeof ok !== 'boolean') return { ok: false, error: `${STATUS_FILE}: "ok" is not true or false` };
  return {
    ok: true,
    status: {
      generation, ok, exitCode: typeof exitCode === 'number' ? exitCode : -1, at: typeof at === 'string' ? at : '', output: typeof output === 'string' ? output : '',
    },
  };
}

/** frr-reload.py's last lines, without its terminal colours, for a condition message. */
export function reloadError(status: ReloadStatus): string {
  // eslint-disable-next-line no-control-regex -- the colour codes are what is removed
  const text = status.output.replace(/\x1b\[[0-9;]*m/g, '');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const errors = lines.filter((l) => /error|fail|unknown|invalid|not /i.test(l));
  const said = (errors.length > 0 ? errors : lines).slice(-3).join(' | ');
  return `frr-reload.py failed for configuration generation ${status.generation} (exit ${status.exitCode})${said ? `: ${said}` : ''}; FRR keeps its previous configuration`;
}

export interface ReloadDir {
  readonly dir: string;
  /** Makes the directory (the speaker may start before the FRR container). */
  ensure(): Promise<void>;
  /** Writes frr.conf, then the request for `generation`. */
  request(config: string, generation: number): Promise<void>;
  /** The text of reload.status; undefined when there is none yet. */
  status(): Promise<string | undefined>;
  /** The generation in reload.request; undefined when there is none. */
  requested(): Promise<number | undefined>;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, file);
}

export class ReloadFiles implements ReloadDir {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async ensure(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async request(config: string, generation: number): Promise<void> {
    await this.ensure();
    await writeAtomically(join(this.dir, CONFIG_FILE), config);
    await writeAtomically(join(this.dir, REQUEST_FILE), `${generation}\n`);
  }

  status(): Promise<string | undefined> {
    return readOptional(join(this.dir, STATUS_FILE));
  }

  async requested(): Promise<number | undefined> {
    const text = await readOptional(join(this.dir, REQUEST_FILE));
    const n = text === undefined ? Number.NaN : Number(text.trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  }
}
