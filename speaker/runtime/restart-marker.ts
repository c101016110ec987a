// The restart marker: a small JSON file in the node's state directory (`--state-dir`; the
// DaemonSet mounts the host's /run/portside, a tmpfs that a reboot clears) telling a starting
// speaker that the previous one on this node left its routes at graceful-restart peers, so
// its first OPEN sets the Restart State bit (RFC 4724 §3). Written at a restart exit,
// refreshed while graceful-restart sessions are up (so a crash counts too), removed when the
// speaker withdrew everything. It counts only within the restart time the peers were given.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RestartMarker {
  node: string;
  /** Epoch ms: the restart exit, or the last refresh while sessions were up. */
  at: number;
  /** The restart time we advertised (s): peers keep our routes this long after losing the session. */
  restartTime: number;
  /** A restart exit on SIGTERM; false: written while running (the speaker may have crashed since). */
  planned: boolean;
  /** Graceful-restart peers that held our routes. */
  peers: string[];
  /**
   * Per peer whose BFD session was Up: ms after our last BFD packet by which its router has
   * surely found the session down (its detection time as agreed, and one interval). The next
   * speaker opens that peer's session no sooner: a late BFD Down would end it.
   */
  bfdDownAfterMs?: Record<string, number>;
}

/** Named after the node: hosts that share one directory between nodes (a lab of namespaces) keep one file each. */
export const restartMarkerFile = (node: string): string => `bgp-restart.${node}.json`;

/** Pure: the file's text → a marker, or why it is not one. */
export function parseRestartMarker(text: string): { ok: true; marker: RestartMarker } | { ok: false; error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  const m = v as Partial<RestartMarker> | null;
  const valid = typeof m === 'object' && m !== null && typeof m.node === 'string' && Number.isFinite(m.at) && Number.isFinite(m.restartTime)
    && typeof m.planned === 'boolean' && Array.isArray(m.peers) && m.peers.every((p) => typeof p === 'string');
  if (!valid) return { ok: false, error: 'not a restart marker (node, at, restartTime, planned, peers)' };
  const bfd = m.bfdDownAfterMs as unknown;
  if (bfd !== undefined && (typeof bfd !== 'object' || bfd === null || Array.isArray(bfd) || !Object.values(bfd).every((ms) => typeof ms === 'number' && Number.isFinite(ms) && ms >= 0))) {
    return { ok: false, error: 'bfdDownAfterMs: not a map of peer → milliseconds' };
  }
  return { ok: true, marker: m as RestartMarker };
}

/** Pure: peers may still hold the routes `marker` speaks of when `node`'s speaker starts at `now`. */
export function restartedWithin(marker: RestartMarker, node: string, now: number): boolean {
  const age = now - marker.at;
  return marker.node === node && age >= 0 && age < marker.restartTime * 1000;
}

export type MarkerRead = { ok: true; marker: RestartMarker | undefined } | { ok: false; error: string };

/** The marker file of one node in `dir`. */
export class RestartMarkerFile {
  readonly path: string;
  private readonly dir: string;

  constructor(dir: string, node: string) {
    this.dir = dir;
    this.path = join(dir, restartMarkerFile(node));
  }

  /** The marker, undefined when there is none. */
  async read(): Promise<MarkerRead> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, marker: undefined };
      return { ok: false, error: `cannot read ${this.path}: ${(err as Error).message}` };
    }
    const parsed = parseRestartMarker(text);
    return parsed.ok ? parsed : { ok: false, error: `${this.path}: ${parsed.error}` };
  }

  /** Replaces the marker atomically (write, then rename). */
  async write(marker: RestartMarker): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(marker)}\n`);
    await rename(tmp, this.path);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
