// `portside controller` at the command line: bad flags and bad numbers in the environment end
// the process at once with one clear line and exit 2 (no root, no cluster); an API server that
// does not answer, exit 1 with one line.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { unreachableKubeconfig } from '../lib/k8s/testing.ts';

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

test('unreachable API server: exit 1 with one line, though the informers started listing at once', async (t) => {
  const kubeconfig = unreachableKubeconfig(t);
  for (const leaderElect of ['false', 'true']) {
    const r = await run(['--kubeconfig', kubeconfig, '--metrics-addr', '127.0.0.1:0', `--leader-elect=${leaderElect}`, '--log-level', 'error']);
    assert.equal(r.code, 1, `--leader-elect=${leaderElect}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^portside controller: cannot reach the Kubernetes API: .*https:\/\/127\.0\.0\.1:1.*ECONNREFUSED/);
  }
});
