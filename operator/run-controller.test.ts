// `portside controller` at the command line: bad flags and bad numbers in the environment end
// the process at once with one clear line and exit 2 (no root, no cluster).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const BIN = new URL('../bin/portside.ts', import.meta.url).pathname;
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  promisify(execFile)(process.execPath, [BIN, 'controller', ...args], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );

test('a lease timing that is not a number: exit 2 with one line naming the variable and the value', async () => {
  const r = await run([], { PORTSIDE_LEASE_DURATION_MS: '15s' });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'portside controller: $PORTSIDE_LEASE_DURATION_MS "15s" must be a whole number of milliseconds of at least 1\n');
});

test('lease timings that contradict each other: exit 2 with one line', async () => {
  const r = await run(['--leader-elect=true'], { PORTSIDE_LEASE_DURATION_MS: '2000', PORTSIDE_LEASE_RENEW_DEADLINE_MS: '2000' });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'portside controller: $PORTSIDE_LEASE_RENEW_DEADLINE_MS (2000) must be less than $PORTSIDE_LEASE_DURATION_MS (2000)\n');
});
