// Every shell script in the repository is shellcheck-clean: the *.sh files and the files
// whose shebang names a shell (.ci/run). shellcheck is a Debian package hack/deps.sh
// installs; without it this fails, it does not skip.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './render/generated.ts';

function trackedScripts(): string[] {
  const ls = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(ls.status, 0, ls.stderr);
  return ls.stdout.split('\0').filter((f) => f !== '').filter((f) => {
    if (f.endsWith('.sh')) return true;
    const head = readFileSync(join(ROOT, f), 'latin1').slice(0, 64);
    return /^#!\S*(\/| )(ba|da)?sh\b/.test(head.split('\n')[0] ?? '');
  }).sort();
}

test('every shell script is shellcheck-clean', () => {
  const scripts = trackedScripts();
  for (const s of ['e2e/kind/run.sh', 'hack/deps.sh', 'hack/tools/build.sh', '.ci/run', 'frr-image/reloader.sh']) assert.ok(scripts.includes(s), `${s} is linted`);
  const r = spawnSync('shellcheck', ['--external-sources', ...scripts], { cwd: ROOT, encoding: 'utf8' });
  assert.ok(!r.error, `shellcheck not runnable (${r.error?.message}): hack/deps.sh installs it from Debian as root`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
