import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseRestartMarker, RestartMarkerFile, restartedWithin, type RestartMarker } from './restart-marker.ts';

const marker: RestartMarker = { node: 'n1', at: 1_000_000, restartTime: 120, planned: true, peers: ['tor'] };

test('a marker counts for its node within the restart time only', () => {
  assert.equal(restartedWithin(marker, 'n1', marker.at), true);
  assert.equal(restartedWithin(marker, 'n1', marker.at + 119_999), true);
  assert.equal(restartedWithin(marker, 'n1', marker.at + 120_000), false, 'the peers have flushed our routes by now');
  assert.equal(restartedWithin(marker, 'n2', marker.at + 1), false, 'another node\'s marker');
  assert.equal(restartedWithin(marker, 'n1', marker.at - 1), false, 'written in the future: the clock moved, trust nothing');
});

test('parseRestartMarker: the JSON it writes, or a clear error', () => {
  assert.deepEqual(parseRestartMarker(JSON.stringify(marker)), { ok: true, marker });
  assert.match(JSON.stringify(parseRestartMarker('{')), /not JSON/);
  for (const bad of ['null', '[]', '{}', JSON.stringify({ ...marker, at: 'soon' }), JSON.stringify({ ...marker, peers: [1] })]) {
    const r = parseRestartMarker(bad);
    assert.equal(r.ok, false, bad);
    assert.match(r.ok ? '' : r.error, /not a restart marker/);
  }
  const withBfd = { ...marker, bfdDownAfterMs: { tor: 2400 } };
  assert.deepEqual(parseRestartMarker(JSON.stringify(withBfd)), { ok: true, marker: withBfd });
  for (const bfd of [[2400], { tor: '2400' }, { tor: -1 }, null]) {
    const r = parseRestartMarker(JSON.stringify({ ...marker, bfdDownAfterMs: bfd }));
    assert.match(r.ok ? '' : r.error, /bfdDownAfterMs: not a map of peer → milliseconds/, JSON.stringify(bfd));
  }
});

test('RestartMarkerFile: none, write (creating the directory), read back, remove; a bad file is an error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'portside-marker-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = new RestartMarkerFile(join(dir, 'state'), 'n1');
  assert.deepEqual(await file.read(), { ok: true, marker: undefined });
  await file.write(marker);
  assert.deepEqual(JSON.parse(readFileSync(file.path, 'utf8')), marker);
  assert.deepEqual(await file.read(), { ok: true, marker });
  await file.remove();
  assert.deepEqual(await file.read(), { ok: true, marker: undefined });
  await file.remove();
  writeFileSync(file.path, 'garbage');
  const bad = await file.read();
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.error, /bgp-restart\.n1\.json: not JSON/);
});
