import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareCodePoints } from './code-points.ts';

test('code-point order differs from localeCompare where it matters for names', () => {
  // localeCompare puts 'a' before 'B' and ignores punctuation at first; code points do not.
  assert.deepEqual(['a', 'B'].sort((x, y) => x.localeCompare(y)), ['a', 'B']);
  assert.deepEqual(['a', 'B'].sort(compareCodePoints), ['B', 'a']);
  assert.deepEqual(['a_b', 'a-b'].sort(compareCodePoints), ['a-b', 'a_b']);
  const names = ['web-b', 'Web', 'web_a', 'web-a', 'web', 'web.a', 'web1'];
  assert.deepEqual([...names].sort(compareCodePoints), ['Web', 'web', 'web-a', 'web-b', 'web.a', 'web1', 'web_a']);
  assert.notDeepEqual([...names].sort((x, y) => x.localeCompare(y)), [...names].sort(compareCodePoints));
});

test('it is a total order: equal, prefix, and antisymmetric', () => {
  assert.equal(compareCodePoints('', ''), 0);
  assert.equal(compareCodePoints('ns/a', 'ns/a'), 0);
  assert.ok(compareCodePoints('ns/a', 'ns/ab') < 0);
  assert.ok(compareCodePoints('ns/ab', 'ns/a') > 0);
  const words = ['', 'a', 'A', 'ab', 'a-b', 'a_b', 'z', '\uffff', '\u{10000}', 'é'];
  for (const x of words) {
    for (const y of words) assert.equal(Math.sign(compareCodePoints(x, y)) + Math.sign(compareCodePoints(y, x)), 0, `${x} ${y}`);
  }
});

test('characters beyond U+FFFF sort after U+E000–U+FFFF, as their code points say', () => {
  // UTF-16 code units (plain < on strings) would put the surrogate pair first.
  assert.ok('\u{1F600}' < '\uff61');
  assert.ok(compareCodePoints('\u{1F600}', '\uff61') > 0);
  assert.ok(compareCodePoints('\u{10000}', '\u{10001}') < 0);
  assert.ok(compareCodePoints('\ud7ff', '\u{10000}') < 0);
  const sorted = ['\u{1F600}', '\uff61', 'a', '\u{10000}'].sort(compareCodePoints);
  assert.deepEqual(sorted.map((s) => s.codePointAt(0)), [0x61, 0xff61, 0x10000, 0x1f600]);
});
