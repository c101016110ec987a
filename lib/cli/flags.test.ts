import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GRACEFUL_SHUTDOWN_MS, parseControllerFlags, parseListenAddr, parseSpeakerFlags } from './flags.ts';

test('controller defaults follow the design card', () => {
  const r = parseControllerFlags([], {});
  assert.ok(r.ok);
  assert.deepEqual(r.flags, {
    kubeconfig: undefined,
    namespace: 'portside-system',
    lbClass: undefined,
    metricsAddr: { host: '::', port: 7472 },
    logLevel: 'info',
    leaderElect: true,
    lease: { durationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
  });
});

test('lease timings come from the environment, checked at start', () => {
  const r = parseControllerFlags([], {
    PORTSIDE_LEASE_DURATION_MS: '3000', PORTSIDE_LEASE_RENEW_DEADLINE_MS: '2000', PORTSIDE_LEASE_RETRY_PERIOD_MS: '',
  });
  assert.ok(r.ok);
  assert.deepEqual(r.flags.lease, { durationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 });
  const cases: [NodeJS.ProcessEnv, string][] = [
    [{ PORTSIDE_LEASE_DURATION_MS: '15s' }, '$PORTSIDE_LEASE_DURATION_MS "15s" must be a whole number of milliseconds of at least 1'],
    [{ PORTSIDE_LEASE_RENEW_DEADLINE_MS: '-1' }, '$PORTSIDE_LEASE_RENEW_DEADLINE_MS "-1" must be a whole number of milliseconds of at least 1'],
    [{ PORTSIDE_LEASE_RETRY_PERIOD_MS: '0' }, '$PORTSIDE_LEASE_RETRY_PERIOD_MS "0" must be a whole number of milliseconds of at least 1'],
    [{ PORTSIDE_LEASE_DURATION_MS: '5000' }, '$PORTSIDE_LEASE_RENEW_DEADLINE_MS (10000) must be less than $PORTSIDE_LEASE_DURATION_MS (5000)'],
  ];
  for (const [env, error] of cases) assert.deepEqual(parseControllerFlags([], env), { ok: false, error });
});

test('controller takes $KUBECONFIG when --kubeconfig is absent, and the flag wins', () => {
  const env = { KUBECONFIG: '/tmp/env.kubeconfig' };
  const a = parseControllerFlags([], env);
  assert.ok(a.ok && a.flags.kubeconfig === '/tmp/env.kubeconfig');
  const b = parseControllerFlags(['--kubeconfig', '/tmp/flag'], env);
  assert.ok(b.ok && b.flags.kubeconfig === '/tmp/flag');
});

test('bad flags give one clear error', () => {
  const cases: [string[], RegExp][] = [
    [['--nope'], /nope/],
    [['--metrics-addr', 'nonsense'], /metrics-addr/],
    [['--log-level', 'loud'], /log-level/],
    [['--leader-elect', 'maybe'], /leader-elect/],
    [['stray'], /stray|positional/i],
  ];
  for (const [args, re] of cases) {
    const r = parseControllerFlags(args, {});
    assert.equal(r.ok, false, args.join(' '));
    if (!r.ok) assert.match(r.error, re);
  }
});

test('speaker needs a node name, from the flag or $NODE_NAME', () => {
  const missing = parseSpeakerFlags([], {});
  assert.equal(missing.ok, false);
  const env = parseSpeakerFlags([], { NODE_NAME: 'node-a' });
  assert.ok(env.ok && env.flags.nodeName === 'node-a' && env.flags.metricsAddr.port === 7473);
  assert.ok(env.ok && env.flags.stateDir === undefined, 'no state dir unless asked');
  const dir = parseSpeakerFlags(['--node-name', 'b', '--state-dir', '/run/portside'], {});
  assert.ok(dir.ok && dir.flags.stateDir === '/run/portside');
  const port = parseSpeakerFlags(['--node-name', 'b', '--liveness-port', '70000'], {});
  assert.equal(port.ok, false);
  if (!port.ok) assert.equal(port.error, '--liveness-port "70000" must be a port number from 1 to 65535');
});

test('speaker numbers from the environment: defaults, values, and one clear error each', () => {
  const defaults = parseSpeakerFlags([], { NODE_NAME: 'n' });
  assert.ok(defaults.ok);
  assert.equal(defaults.flags.livenessPort, 7946);
  assert.equal(defaults.flags.bgpPort, undefined);
  assert.equal(defaults.flags.livenessTimeoutMs, undefined);
  assert.equal(defaults.flags.gracefulShutdownMs, DEFAULT_GRACEFUL_SHUTDOWN_MS);
  const set = parseSpeakerFlags(['--liveness-port', '8000'], {
    NODE_NAME: 'n', PORTSIDE_BGP_PORT: '1179', PORTSIDE_LIVENESS_TIMEOUT_MS: '900', PORTSIDE_GRACEFUL_SHUTDOWN_MS: '0',
  });
  assert.ok(set.ok);
  assert.deepEqual(
    [set.flags.livenessPort, set.flags.bgpPort, set.flags.livenessTimeoutMs, set.flags.gracefulShutdownMs],
    [8000, 1179, 900, 0],
  );
  const cases: [NodeJS.ProcessEnv, string][] = [
    [{ PORTSIDE_BGP_PORT: '179x' }, '$PORTSIDE_BGP_PORT "179x" must be a port number from 1 to 65535'],
    [{ PORTSIDE_LIVENESS_TIMEOUT_MS: '1e3' }, '$PORTSIDE_LIVENESS_TIMEOUT_MS "1e3" must be a whole number of milliseconds of at least 1'],
    [{ PORTSIDE_GRACEFUL_SHUTDOWN_MS: '2.5' }, '$PORTSIDE_GRACEFUL_SHUTDOWN_MS "2.5" must be a whole number of milliseconds of at least 0'],
  ];
  for (const [env, error] of cases) assert.deepEqual(parseSpeakerFlags([], { NODE_NAME: 'n', ...env }), { ok: false, error });
});

test('listen addresses', () => {
  assert.deepEqual(parseListenAddr(':7472'), { host: '::', port: 7472 });
  assert.deepEqual(parseListenAddr('127.0.0.1:80'), { host: '127.0.0.1', port: 80 });
  assert.deepEqual(parseListenAddr('[::1]:80'), { host: '::1', port: 80 });
  assert.equal(parseListenAddr('80'), undefined);
  assert.equal(parseListenAddr(':99999'), undefined);
});

test('--bgp-backend: native by default, host-frr and frr with their options, $PORTSIDE_BGP_BACKEND stands in', () => {
  const dflt = parseSpeakerFlags([], { NODE_NAME: 'n' });
  assert.ok(dflt.ok);
  assert.deepEqual(dflt.flags.bgpBackend, { kind: 'native' });
  const host = parseSpeakerFlags(['--bgp-backend', 'host-frr', '--frr-vty-socket', '/var/run/frr', '--host-frr-exclude', '203.0.113.9, 2001:db8::/64'], { NODE_NAME: 'n' });
  assert.ok(host.ok);
  assert.deepEqual(host.flags.bgpBackend, {
    kind: 'host-frr', vtysh: 'vtysh', vtySocket: '/var/run/frr', interface: 'portside0', exclude: ['203.0.113.9', '2001:db8::/64'], reconcileMs: 10_000,
  });
  const env = parseSpeakerFlags(['--host-frr-interface', 'lo'], { NODE_NAME: 'n', PORTSIDE_BGP_BACKEND: 'host-frr', PORTSIDE_HOST_FRR_RECONCILE_MS: '500', PORTSIDE_HOST_FRR_EXCLUDE: '198.51.100.7' });
  assert.ok(env.ok && env.flags.bgpBackend.kind === 'host-frr');
  assert.equal(env.flags.bgpBackend.interface, 'lo');
  assert.equal(env.flags.bgpBackend.reconcileMs, 500);
  assert.deepEqual(env.flags.bgpBackend.exclude, ['198.51.100.7']);
  const flagWins = parseSpeakerFlags(['--bgp-backend', 'native'], { NODE_NAME: 'n', PORTSIDE_BGP_BACKEND: 'host-frr' });
  assert.ok(flagWins.ok && flagWins.flags.bgpBackend.kind === 'native');
  const frr = parseSpeakerFlags(['--bgp-backend', 'frr'], { NODE_NAME: 'n' });
  assert.ok(frr.ok);
  assert.deepEqual(frr.flags.bgpBackend, { kind: 'frr', vtysh: 'vtysh', vtySocket: '/var/run/frr', configDir: '/etc/frr-portside', pollMs: 3_000 });
  const frrEnv = parseSpeakerFlags(['--frr-vty-socket', '/run/frr-x'], { NODE_NAME: 'n', PORTSIDE_BGP_BACKEND: 'frr', PORTSIDE_FRR_CONFIG_DIR: '/shared', PORTSIDE_FRR_POLL_MS: '500' });
  assert.ok(frrEnv.ok);
  assert.deepEqual(frrEnv.flags.bgpBackend, { kind: 'frr', vtysh: 'vtysh', vtySocket: '/run/frr-x', configDir: '/shared', pollMs: 500 });
  const dirFlag = parseSpeakerFlags(['--bgp-backend', 'frr', '--frr-config-dir', '/a'], { NODE_NAME: 'n', PORTSIDE_FRR_CONFIG_DIR: '/b' });
  assert.ok(dirFlag.ok && dirFlag.flags.bgpBackend.kind === 'frr' && dirFlag.flags.bgpBackend.configDir === '/a', 'the flag wins over the environment');
  assert.ok(!parseSpeakerFlags(['--bgp-backend', 'frr'], { NODE_NAME: 'n', PORTSIDE_FRR_POLL_MS: '10' }).ok, 'a poll under 100 ms is refused');
  assert.deepEqual(parseSpeakerFlags(['--bgp-backend', 'bird'], { NODE_NAME: 'n' }), { ok: false, error: '--bgp-backend "bird" must be one of native, host-frr, frr' });
  assert.deepEqual(parseSpeakerFlags(['--bgp-backend', 'host-frr', '--host-frr-exclude', 'x'], { NODE_NAME: 'n' }), { ok: false, error: '--host-frr-exclude: "x" is not an address or CIDR' });
  assert.deepEqual(parseSpeakerFlags(['--bgp-backend', 'host-frr', '--host-frr-interface', 'a b'], { NODE_NAME: 'n' }), { ok: false, error: '--host-frr-interface "a b" is not an interface name' });
});
