import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labArgs, parseLabArgs, USAGE } from './args.ts';

test('make lab: the BGP backend switch is parsed, native by default', () => {
  assert.deepEqual(parseLabArgs(['up']), { ok: true, value: { command: 'up', detach: false, daemon: false, kubelet: false, bgpBackend: 'native' } });
  for (const backend of ['native', 'frr', 'host-frr'] as const) {
    assert.equal((parseLabArgs(['up', `--bgp-backend=${backend}`]) as { value: { bgpBackend: string } }).value.bgpBackend, backend);
    assert.equal((parseLabArgs(['up', '--kubelet', '--bgp-backend', backend]) as { value: { bgpBackend: string } }).value.bgpBackend, backend);
  }
  const all = parseLabArgs(['up', '--detach', '--kubelet', '--bgp-backend=frr']);
  assert.deepEqual(all, { ok: true, value: { command: 'up', detach: true, daemon: false, kubelet: true, bgpBackend: 'frr' } });
});

test('make lab: an unknown backend, a missing one, an unknown flag or command are refused with one line', () => {
  assert.deepEqual(parseLabArgs(['up', '--bgp-backend=bird']), { ok: false, error: '--bgp-backend "bird" (BGP_BACKEND): one of native, frr, host-frr' });
  assert.deepEqual(parseLabArgs(['up', '--bgp-backend']), { ok: false, error: '--bgp-backend "" (BGP_BACKEND): one of native, frr, host-frr' });
  assert.deepEqual(parseLabArgs(['up', '--bgp-backend=']), { ok: false, error: '--bgp-backend "" (BGP_BACKEND): one of native, frr, host-frr' });
  assert.deepEqual(parseLabArgs(['up', '--frr']), { ok: false, error: `unknown argument "--frr"\n${USAGE}` });
  assert.deepEqual(parseLabArgs(['down', '--bgp-backend=frr']), { ok: false, error: `unknown argument "--bgp-backend=frr"\n${USAGE}` });
  assert.deepEqual(parseLabArgs(['sideways']), { ok: false, error: USAGE });
  assert.deepEqual(parseLabArgs([]), { ok: false, error: USAGE });
});

test('make lab: --detach hands its background process the same lab', () => {
  const parsed = parseLabArgs(['up', '--kubelet', '--bgp-backend', 'host-frr']);
  assert.ok(parsed.ok);
  const daemon = { ...parsed.value, daemon: true };
  assert.deepEqual(parseLabArgs(labArgs(daemon)), { ok: true, value: daemon });
  assert.deepEqual(labArgs(parsed.value), ['up', '--kubelet', '--bgp-backend', 'host-frr']);
});
