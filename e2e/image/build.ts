// The images hack/image/build.sh builds (`make image`): the Portside image and the FRR image
// of `--bgp-backend frr`, by ID (the tags may move: another clone), and podman as the
// image tests run it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PODMAN = join(ROOT, 'hack/image/podman.sh');

export interface Built { id: string; ref: string; archive: string }

export function run(cmd: string, args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, ...(input !== undefined ? { input } : {}) });
  assert.ok(!r.error, `${cmd}: ${r.error?.message}`);
  return r;
}

/** Builds both images, or finds them built; the IDs name what this clone built, whatever the tags. */
export function buildImages(): { portside: Built; frr: Built } {
  const r = run(join(ROOT, 'hack/image/build.sh'), []);
  assert.equal(r.status, 0, `hack/image/build.sh failed:\n${r.stderr.slice(-4000)}`);
  const out = new Map(r.stdout.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
  const image = (prefix: string): Built => {
    const built = { id: out.get(`${prefix}_ID`) ?? '', ref: out.get(`${prefix}_REF`) ?? '', archive: out.get(`${prefix}_ARCHIVE`) ?? '' };
    assert.match(built.id, /^[0-9a-f]{64}$/, `${prefix}: ${r.stdout}`);
    return built;
  };
  return { portside: image('PORTSIDE_IMAGE'), frr: image('PORTSIDE_FRR_IMAGE') };
}
