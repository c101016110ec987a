// `portside speaker` at the command line: bad flags and an unreachable API server each end
// the process at once with one clear line (no root, no cluster).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { unreachableKubeconfig } from '../../lib/k8s/testing.ts';

const BIN = new URL('../../bin/portside.ts', import.meta.url).pathname;
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  promisify(execFile)(process.execPath, [BIN, 'speaker', ...args], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );

test('no node name: exit 2 with one line', async () => {
  const r = await run([]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /--node-name is required/);
});

test('a bad number in the environment: exit 2 with one line naming it, before any API call', async () => {
  const r = await run(['--node-name', 'n1'], { PORTSIDE_GRACEFUL_SHUTDOWN_MS: 'soon' });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'portside speaker: $PORTSIDE_GRACEFUL_SHUTDOWN_MS "soon" must be a whole number of milliseconds of at least 0\n');
});

test('unreachable API server: exit 1 with one line', async (t) => {
  const kubeconfig = unreachableKubeconfig(t);
  const r = await run(['--node-name', 'n1', '--kubeconfig', kubeconfig, '--metrics-addr', '127.0.0.1:0']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^portside speaker: cannot reach the Kubernetes API/);
});
