import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envWholeNumber, parseWholeNumber } from './numbers.ts';

test('whole numbers within bounds pass', () => {
  assert.deepEqual(parseWholeNumber('--x', '0', { min: 0 }), { ok: true, value: 0 });
  assert.deepEqual(parseWholeNumber('--x', '65535', { min: 1, max: 65535 }), { ok: true, value: 65535 });
  assert.deepEqual(parseWholeNumber('--x', '007', { min: 1 }), { ok: true, value: 7 });
});

test('anything else is one line: the name, the value given, what is expected', () => {
  const port = { min: 1, max: 65535, what: 'a port number' };
  const cases: [string, string][] = [
    ['', '--port "" must be a port number from 1 to 65535'],
    ['abc', '--port "abc" must be a port number from 1 to 65535'],
    ['0', '--port "0" must be a port number from 1 to 65535'],
    ['65536', '--port "65536" must be a port number from 1 to 65535'],
    ['-1', '--port "-1" must be a port number from 1 to 65535'],
    ['1.5', '--port "1.5" must be a port number from 1 to 65535'],
    ['1e3', '--port "1e3" must be a port number from 1 to 65535'],
    ['0x10', '--port "0x10" must be a port number from 1 to 65535'],
    [' 80', '--port " 80" must be a port number from 1 to 65535'],
    ['Infinity', '--port "Infinity" must be a port number from 1 to 65535'],
    ['9999999999999999', '--port "9999999999999999" must be a port number from 1 to 65535'],
  ];
  for (const [text, error] of cases) {
    const r = parseWholeNumber('--port', text, port);
    assert.deepEqual(r, { ok: false, error }, JSON.stringify(text));
    assert.ok(!r.ok && !r.error.includes('\n'));
  }
  assert.deepEqual(parseWholeNumber('$N', '-5', { min: 0 }), { ok: false, error: '$N "-5" must be a whole number of at least 0' });
});

test('an unset or empty variable is its fallback; a set one is checked and named with $', () => {
  const rule = { min: 1, what: 'a whole number of milliseconds' };
  assert.deepEqual(envWholeNumber({}, 'T_MS', 15_000, rule), { ok: true, value: 15_000 });
  assert.deepEqual(envWholeNumber({ T_MS: '' }, 'T_MS', undefined, rule), { ok: true, value: undefined });
  assert.deepEqual(envWholeNumber({ T_MS: '250' }, 'T_MS', 15_000, rule), { ok: true, value: 250 });
  assert.deepEqual(envWholeNumber({ T_MS: 'NaN' }, 'T_MS', 15_000, rule), {
    ok: false, error: '$T_MS "NaN" must be a whole number of milliseconds of at least 1',
  });
});
