import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration } from './duration.ts';

test('parseGoDuration accepts Go duration text', () => {
  const cases: Array<[string, number]> = [
    ['0', 0], ['90s', 90_000], ['1m30s', 90_000], ['500ms', 500], ['1.5h', 5_400_000], ['.5s', 500],
    ['1h2m3s4ms', 3_723_004], ['1500us', 1.5], ['2000000ns', 2], ['-3s', -3000], ['+3s', 3000], ['1µs', 0.001],
  ];
  for (const [text, ms] of cases) assert.deepEqual(parseGoDuration(text), { ok: true, ms }, text);
});

test('parseGoDuration rejects what Go rejects', () => {
  for (const text of ['', '90', '1m30', 's', '.s', '1d', '1 s', 'ten seconds', '1.2.3s', '-']) {
    const r = parseGoDuration(text);
    assert.ok(!r.ok, text);
    assert.match(r.error, /"1m30s"/);
  }
});
