// Every golden frr.conf of render.test.ts passes FRR's own parser (`vtysh -C -f`, a dry run
// that needs no running daemon). vtysh comes from Debian's frr, which hack/deps.sh installs:
// without it this fails, it does not skip.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dryRun = (file: string) => spawnSync('vtysh', ['-C', '-f', file], { encoding: 'utf8' });

test('FRR 8.4 parses every rendered frr.conf fixture', () => {
  const files = readdirSync(dir).filter((f) => /^render-.*\.conf$/.test(f)).sort();
  assert.ok(files.length >= 4, `fixtures: ${files.join(', ')}`);
  for (const f of files) {
    const r = dryRun(join(dir, f));
    assert.ok(!r.error, `vtysh not runnable (${r.error?.message}): hack/deps.sh installs Debian's frr`);
    assert.equal(r.status, 0, `${f}: ${r.stdout}${r.stderr}`);
  }
});

test('the dry run does refuse a line FRR does not know', () => {
  const bad = join(tmpdir(), `portside-frr-bad-${process.pid}.conf`);
  writeFileSync(bad, 'router bgp 64512\n neighbor 198.51.100.2 password two words\nexit\n');
  const r = dryRun(bad);
  assert.notEqual(r.status, 0);
  assert.match(r.stdout + r.stderr, /Unknown command/);
});
