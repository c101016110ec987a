import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseReloadStatus, ReloadFiles, reloadError } from './reload-files.ts';

test('reload.status: the reloader\'s JSON line, or an error value', () => {
  const ok = parseReloadStatus('{"generation":3,"ok":false,"exitCode":1,"at":"2026-01-01T00:00:00Z","output":"x"}\n');
  assert.deepEqual(ok, { ok: true, status: { generation: 3, ok: false, exitCode: 1, at: '2026-01-01T00:00:00Z', output: 'x' } });
  for (const [text, error] of [['', /not JSON/], ['[]', /not a JSON object/], ['{"generation":-1,"ok":true}', /generation -1/], ['{"generation":1,"ok":"yes"}', /"ok"/]] as const) {
    const r = parseReloadStatus(text);
    assert.ok(!r.ok);
    assert.match(r.error, error);
  }
});

test('a failed reload reads as its error lines, without terminal colours', () => {
  const output = '2026-12-05 01:00:00,000  INFO: Called via "Namespace(...)"\n\u001b[91m  ERROR\u001b[0m: vtysh failed to process new configuration: vtysh (mark file) exited with status 2:\nb\'line 7: % Unknown command[4]: bogus\'\n';
  assert.equal(reloadError({ generation: 4, ok: false, exitCode: 1, at: '', output }),
    'frr-reload.py failed for configuration generation 4 (exit 1): ERROR: vtysh failed to process new configuration: vtysh (mark file) exited with status 2: | b\'line 7: % Unknown command[4]: bogus\'; FRR keeps its previous configuration');
});

test('the shared directory: frr.conf, then reload.request, each replaced whole', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portside-frr-'));
  try {
    const files = new ReloadFiles(join(dir, 'shared'));
    assert.equal(await files.status(), undefined);
    assert.equal(await files.requested(), undefined);
    await files.request('router bgp 64513\n', 5);
    assert.equal(await readFile(join(dir, 'shared', 'frr.conf'), 'utf8'), 'router bgp 64513\n');
    assert.equal(await files.requested(), 5);
    assert.deepEqual((await readdir(join(dir, 'shared'))).sort(), ['frr.conf', 'reload.request'], 'no temporary file left');
    await writeFile(join(dir, 'shared', 'reload.status'), '{"generation":5,"ok":true}\n');
    assert.equal(await files.status(), '{"generation":5,"ok":true}\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
