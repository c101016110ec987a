import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Secret } from '@kubernetes/client-node';
import { formatIp } from '../ip/index.ts';
import { buildConfig } from './build.ts';
import { type ErrorCase, assertCase, bfd, input, peer } from './testing.ts';

const K = 'BGPPeer';
const secret = (name: string, type: string, data: Record<string, string>): V1Secret =>
  ({ metadata: { name, namespace: 'portside-system' }, type, data });
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secrets = [secret('ok', 'kubernetes.io/basic-auth', { password: b64('s3cret') }), secret('opaque', 'Opaque', { password: b64('x') }),
  secret('nokey', 'kubernetes.io/basic-auth', { username: b64('u') })];

const cases: ErrorCase[] = [
  { name: 'minimal eBGP peer', input: input({ bgpPeers: [peer('p')] }) },
  { name: 'missing myASN', input: input({ bgpPeers: [peer('p', { myASN: undefined as unknown as number })] }), want: { kind: K, name: 'p', field: 'spec.myASN' } },
  { name: 'peerASN and dynamicASN', input: input({ bgpPeers: [peer('p', { dynamicASN: 'external' })] }), want: { kind: K, name: 'p', field: 'spec.peerASN', message: /exactly one/ } },
  { name: 'dynamicASN alone', input: input({ bgpPeers: [peer('p', { peerASN: undefined, dynamicASN: 'internal' })] }) },
  { name: 'bad peerAddress', input: input({ bgpPeers: [peer('p', { peerAddress: '198.51.100.256' })] }), want: { kind: K, name: 'p', field: 'spec.peerAddress' } },
  { name: 'peerAddress and interface', input: input({ bgpPeers: [peer('p', { interface: 'eth0' })] }), want: { kind: K, name: 'p', field: 'spec.peerAddress', message: /exactly one/ } },
  { name: 'interface only: well-formed, but refused by the native speaker', input: input({ bgpPeers: [peer('p', { peerAddress: undefined, interface: 'eth0' })] }),
    want: { kind: K, name: 'p', field: 'spec.interface', message: /--bgp-backend frr/ } },
  { name: 'routerID must be IPv4', input: input({ bgpPeers: [peer('p', { routerID: '2001:db8::1' })] }), want: { kind: K, name: 'p', field: 'spec.routerID' } },
  { name: 'port out of range', input: input({ bgpPeers: [peer('p', { peerPort: 16385 })] }), want: { kind: K, name: 'p', field: 'spec.peerPort' } },
  { name: 'hold 0 is valid', input: input({ bgpPeers: [peer('p', { holdTime: '0s' })] }) },
  { name: 'hold 2s', input: input({ bgpPeers: [peer('p', { holdTime: '2s' })] }), want: { kind: K, name: 'p', field: 'spec.holdTime', message: /0 or between 3s and 65535s/ } },
  { name: 'hold 2.9s rounds down to 2s', input: input({ bgpPeers: [peer('p', { holdTime: '2900ms' })] }), want: { kind: K, name: 'p', field: 'spec.holdTime' } },
  { name: 'keepalive 500ms → hold 1.5s', input: input({ bgpPeers: [peer('p', { keepaliveTime: '500ms' })] }), want: { kind: K, name: 'p', field: 'spec.keepaliveTime', message: /the hold time is three times it/ } },
  { name: 'keepalive > hold', input: input({ bgpPeers: [peer('p', { holdTime: '9s', keepaliveTime: '10s' })] }), want: { kind: K, name: 'p', field: 'spec.keepaliveTime', message: /at most the hold time/ } },
  { name: 'unparseable hold', input: input({ bgpPeers: [peer('p', { holdTime: '90' })] }), want: { kind: K, name: 'p', field: 'spec.holdTime', message: /not a duration/ } },
  { name: 'connectTime fractional', input: input({ bgpPeers: [peer('p', { connectTime: '1500ms' })] }), want: { kind: K, name: 'p', field: 'spec.connectTime', message: /whole seconds/ } },
  { name: 'connectTime valid', input: input({ bgpPeers: [peer('p', { connectTime: '10s' })] }) },
  { name: 'ebgpMultiHop with eBGP', input: input({ bgpPeers: [peer('p', { ebgpMultiHop: true })] }) },
  { name: 'ebgpMultiHop with iBGP', input: input({ bgpPeers: [peer('p', { peerASN: 64512, ebgpMultiHop: true })] }), want: { kind: K, name: 'p', field: 'spec.ebgpMultiHop', message: /iBGP/ } },
  { name: 'ebgpMultiHop with dynamic internal', input: input({ bgpPeers: [peer('p', { peerASN: undefined, dynamicASN: 'internal', ebgpMultiHop: true })] }), want: { kind: K, name: 'p', field: 'spec.ebgpMultiHop' } },
  { name: 'bfdProfile found', input: input({ bgpPeers: [peer('p', { bfdProfile: 'fast' })], bfdProfiles: [bfd('fast')] }) },
  { name: 'bfdProfile missing', input: input({ bgpPeers: [peer('p', { bfdProfile: 'fast' })] }), want: { kind: K, name: 'p', field: 'spec.bfdProfile', message: /"fast" not found/ } },
  { name: 'secret resolved', input: input({ bgpPeers: [peer('p', { passwordSecret: { name: 'ok' } })], secrets }) },
  { name: 'secret missing', input: input({ bgpPeers: [peer('p', { passwordSecret: { name: 'gone' } })], secrets }), want: { kind: K, name: 'p', field: 'spec.passwordSecret', message: /not found/ } },
  { name: 'secret wrong type', input: input({ bgpPeers: [peer('p', { passwordSecret: { name: 'opaque' } })], secrets }), want: { kind: K, name: 'p', field: 'spec.passwordSecret', message: /basic-auth/ } },
  { name: 'secret without password key', input: input({ bgpPeers: [peer('p', { passwordSecret: { name: 'nokey' } })], secrets }), want: { kind: K, name: 'p', field: 'spec.passwordSecret', message: /no "password" key/ } },
  { name: 'passwordSecret: {} is unset (MetalLB\'s converter writes it)', input: input({ bgpPeers: [peer('p', { passwordSecret: {} })], secrets }) },
  { name: 'passwordSecret: {} beside a password is unset', input: input({ bgpPeers: [peer('p', { password: 'x', passwordSecret: {} })], secrets }) },
  { name: 'password and passwordSecret', input: input({ bgpPeers: [peer('p', { password: 'x', passwordSecret: { name: 'ok' } })], secrets }), want: { kind: K, name: 'p', field: 'spec.passwordSecret' } },
  { name: 'invalid nodeSelector', input: input({ bgpPeers: [peer('p', { nodeSelectors: [{ matchExpressions: [{ key: 'a', operator: 'In' }] }] })] }), want: { kind: K, name: 'p', field: 'spec.nodeSelectors[0].matchExpressions[0].values' } },
  { name: 'duplicate peers', input: input({ bgpPeers: [peer('p'), peer('q')] }), want: { kind: K, name: 'q', field: 'spec.peerAddress', message: /"p" already peers/ } },
  { name: 'same address on different nodes', input: input({ bgpPeers: [peer('p', { nodeSelectors: [{ matchLabels: { rack: '1' } }] }), peer('q', { nodeSelectors: [{ matchLabels: { rack: '2' } }] })] }) },
];

test('BGPPeer rules (table)', () => {
  for (const c of cases) assertCase(c, buildConfig(c.input));
});

test('timers: defaults, one given derives the other', () => {
  const cases: Array<[Partial<{ holdTime: string; keepaliveTime: string }>, number, number]> = [
    [{}, 90_000, 30_000],
    [{ holdTime: '1m30s' }, 90_000, 30_000],
    [{ holdTime: '9s' }, 9000, 3000],
    [{ keepaliveTime: '10s' }, 30_000, 10_000],
    [{ holdTime: '3500ms' }, 3000, 3500 / 3],
    [{ holdTime: '0' }, 0, 0],
    [{ holdTime: '30s', keepaliveTime: '1s' }, 30_000, 1000],
  ];
  for (const [timers, hold, keepalive] of cases) {
    const r = buildConfig(input({ bgpPeers: [peer('p', timers)] }));
    assert.ok(r.ok, JSON.stringify(timers));
    const p = r.config.bgpPeers.get('p')!;
    assert.equal(p.holdTimeMs, hold, JSON.stringify(timers));
    assert.equal(p.keepaliveTimeMs, keepalive, JSON.stringify(timers));
  }
});

test('a resolved peer carries password, BFD profile and defaults', () => {
  const r = buildConfig(input({ bgpPeers: [peer('p', { passwordSecret: { name: 'ok' }, bfdProfile: 'fast', sourceAddress: '2001:db8::2' })], bfdProfiles: [bfd('fast', { detectMultiplier: 5 })], secrets }));
  assert.ok(r.ok);
  const p = r.config.bgpPeers.get('p')!;
  assert.equal(p.password, 's3cret');
  assert.equal(p.bfdProfile?.detectMultiplier, 5);
  assert.equal(p.peerPort, 179);
  assert.equal(formatIp(p.peerAddress!), '198.51.100.254');
  assert.equal(formatIp(p.sourceAddress!), '2001:db8::2');
  assert.equal(p.connectTimeMs, undefined);
  const unresolved = buildConfig(input({ bgpPeers: [peer('p', { passwordSecret: { name: 'ok' } })] }));
  assert.ok(unresolved.ok, 'without a secrets list, secrets are not resolved');
  assert.equal(unresolved.config.bgpPeers.get('p')!.password, undefined);
});
