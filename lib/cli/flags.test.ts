import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControllerFlags, parseListenAddr, parseSpeakerFlags } from './flags.ts';

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
  });
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
  const port = parseSpeakerFlags(['--node-name', 'b', '--liveness-port', '70000'], {});
  assert.equal(port.ok, false);
});

test('listen addresses', () => {
  assert.deepEqual(parseListenAddr(':7472'), { host: '::', port: 7472 });
  assert.deepEqual(parseListenAddr('127.0.0.1:80'), { host: '127.0.0.1', port: 80 });
  assert.deepEqual(parseListenAddr('[::1]:80'), { host: '::1', port: 80 });
  assert.equal(parseListenAddr('80'), undefined);
  assert.equal(parseListenAddr(':99999'), undefined);
});
