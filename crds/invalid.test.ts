import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API_VERSION, parsePortsideObject } from './index.ts';
import type { FieldError } from './index.ts';
import { KINDS } from './source/index.ts';
import { celRules } from './views.ts';

type Obj = Record<string, unknown>;

const peer = (spec: Obj): Obj => ({
  apiVersion: API_VERSION,
  kind: 'BGPPeer',
  metadata: { name: 'p', namespace: 'portside-system' },
  spec: { myASN: 64512, peerASN: 64513, peerAddress: '203.0.113.1', ...spec },
});
const without = (obj: Obj, ...keys: string[]): Obj => Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));
const peerWithout = (...keys: string[]): Obj => {
  const p = peer({});
  return { ...p, spec: without(p.spec as Obj, ...keys) };
};
const of = (kind: string, body: Obj): Obj => ({
  apiVersion: API_VERSION,
  kind,
  metadata: { name: 'x', namespace: 'portside-system' },
  ...body,
});
const status = (kind: string, s: Obj): Obj => of(kind, { status: { node: 'n1', serviceName: 'web', serviceNamespace: 'shop', ...s } });

interface Case {
  readonly name: string;
  readonly obj: Obj;
  readonly old?: Obj;
  /** The field the error must name (path, or mentioned in the message). */
  readonly field: string;
}

const CASES: readonly Case[] = [
  { name: 'peerPort of the wrong type', obj: peer({ peerPort: '179' }), field: 'spec.peerPort' },
  { name: 'myASN of the wrong type', obj: peer({ myASN: 'sixty-four' }), field: 'spec.myASN' },
  { name: 'peerPort out of range', obj: peer({ peerPort: 16385 }), field: 'spec.peerPort' },
  { name: 'peerPort zero', obj: peer({ peerPort: 0 }), field: 'spec.peerPort' },
  { name: 'ASN above 32 bits', obj: peer({ peerASN: 4294967296 }), field: 'spec.peerASN' },
  { name: 'unknown dynamicASN', obj: { ...peerWithout('peerASN'), spec: { ...(peerWithout('peerASN').spec as Obj), dynamicASN: 'both' } }, field: 'spec.dynamicASN' },
  { name: 'both peerASN and dynamicASN', obj: peer({ dynamicASN: 'external' }), field: 'peerASN' },
  { name: 'neither peerASN nor dynamicASN', obj: peerWithout('peerASN'), field: 'peerASN' },
  { name: 'both peerAddress and interface', obj: peer({ interface: 'eth0' }), field: 'peerAddress' },
  { name: 'neither peerAddress nor interface', obj: peerWithout('peerAddress'), field: 'peerAddress' },
  { name: 'peerAddress not an IP', obj: peer({ peerAddress: 'tor-a.example' }), field: 'spec.peerAddress' },
  { name: 'routerID not IPv4', obj: peer({ routerID: '2001:db8::1' }), field: 'spec.routerID' },
  { name: 'password and passwordSecret', obj: peer({ password: 'x', passwordSecret: { name: 's' } }), field: 'passwordSecret' },
  { name: 'hold time 1s', obj: peer({ holdTime: '1s' }), field: 'spec.holdTime' },
  { name: 'hold time not a duration', obj: peer({ holdTime: '90' }), field: 'spec.holdTime' },
  { name: 'keepalive longer than hold', obj: peer({ holdTime: '9s', keepaliveTime: '10s' }), field: 'spec.keepaliveTime' },
  { name: 'connectTime 1.5s', obj: peer({ connectTime: '1.5s' }), field: 'spec.connectTime' },
  { name: 'connectTime 0s', obj: peer({ connectTime: '0s' }), field: 'spec.connectTime' },
  { name: 'ebgpMultiHop on iBGP', obj: peer({ peerASN: 64512, ebgpMultiHop: true }), field: 'spec.ebgpMultiHop' },
  {
    name: 'enableGracefulRestart changed',
    obj: peer({ enableGracefulRestart: false }),
    old: peer({ enableGracefulRestart: true }),
    field: 'spec.enableGracefulRestart',
  },
  { name: 'unknown field', obj: peer({ peerAdress: '203.0.113.2' }), field: 'spec.peerAdress' },
  { name: 'BFD interval 5', obj: of('BFDProfile', { spec: { receiveInterval: 5 } }), field: 'spec.receiveInterval' },
  { name: 'BFD interval 60001', obj: of('BFDProfile', { spec: { transmitInterval: 60001 } }), field: 'spec.transmitInterval' },
  { name: 'BFD multiplier 1', obj: of('BFDProfile', { spec: { detectMultiplier: 1 } }), field: 'spec.detectMultiplier' },
  { name: 'BFD minimumTtl 255', obj: of('BFDProfile', { spec: { minimumTtl: 255 } }), field: 'spec.minimumTtl' },
  {
    name: 'serviceSelectors with aggregationLength 24',
    obj: of('BGPAdvertisement', { spec: { aggregationLength: 24, serviceSelectors: [{ matchLabels: { a: 'b' } }] } }),
    field: 'serviceSelectors',
  },
  { name: 'aggregationLength 33', obj: of('BGPAdvertisement', { spec: { aggregationLength: 33 } }), field: 'spec.aggregationLength' },
  { name: 'aggregationLengthV6 0', obj: of('BGPAdvertisement', { spec: { aggregationLengthV6: 0 } }), field: 'spec.aggregationLengthV6' },
  { name: 'community part above 16 bits', obj: of('BGPAdvertisement', { spec: { communities: ['64512:65536'] } }), field: 'spec.communities[0]' },
  { name: 'duplicate peers', obj: of('BGPAdvertisement', { spec: { peers: ['a', 'a'] } }), field: 'spec.peers[1]' },
  {
    name: 'selector In without values',
    obj: of('L2Advertisement', { spec: { nodeSelectors: [{ matchExpressions: [{ key: 'k', operator: 'In' }] }] } }),
    field: 'spec.nodeSelectors[0].matchExpressions[0].values',
  },
  {
    name: 'preferred node weight 101',
    obj: of('L2Advertisement', { spec: { preferredNodeSelectors: [{ weight: 101, preference: {} }] } }),
    field: 'spec.preferredNodeSelectors[0].weight',
  },
  { name: 'pool without addresses', obj: of('IPAddressPool', { spec: {} }), field: 'spec.addresses' },
  { name: 'pool address not a range', obj: of('IPAddressPool', { spec: { addresses: ['198.51.100.0/33'] } }), field: 'spec.addresses[0]' },
  {
    name: 'pool range across families',
    obj: of('IPAddressPool', { spec: { addresses: ['198.51.100.1-2001:db8::1'] } }),
    field: 'spec.addresses[0]',
  },
  { name: 'autoAssign not a boolean', obj: of('IPAddressPool', { spec: { addresses: ['198.51.100.0/24'], autoAssign: 'yes' } }), field: 'spec.autoAssign' },
  {
    name: 'negative available count',
    obj: of('IPAddressPool', { spec: { addresses: ['198.51.100.0/24'] }, status: { availableIPv4: -1 } }),
    field: 'status.availableIPv4',
  },
  {
    name: 'duplicate community alias',
    obj: of('Community', { spec: { communities: [{ name: 'a', value: '64512:1' }, { name: 'a', value: '64512:2' }] } }),
    field: 'spec.communities[1]',
  },
  { name: 'community alias value', obj: of('Community', { spec: { communities: [{ name: 'a', value: '70000:1' }] } }), field: 'spec.communities[0].value' },
  { name: 'unknown result', obj: of('ConfigurationState', { status: { result: 'Broken' } }), field: 'status.result' },
  {
    name: 'errorSummary when Valid',
    obj: of('ConfigurationState', { status: { result: 'Valid', errorSummary: 'oops' } }),
    field: 'status.errorSummary',
  },
  { name: 'L2 status node changed', obj: status('ServiceL2Status', { node: 'n2' }), old: status('ServiceL2Status', {}), field: 'status.node' },
  {
    name: 'L2 status service name removed',
    obj: of('ServiceL2Status', { status: { node: 'n1', serviceNamespace: 'shop' } }),
    old: status('ServiceL2Status', {}),
    field: 'status.serviceName',
  },
  {
    name: 'BGP status namespace changed',
    obj: status('ServiceBGPStatus', { serviceNamespace: 'other' }),
    old: status('ServiceBGPStatus', {}),
    field: 'status.serviceNamespace',
  },
  { name: 'wrong apiVersion', obj: { ...peer({}), apiVersion: 'metallb.io/v1beta2' }, field: 'apiVersion' },
];

function errorsOf(c: Case): FieldError[] {
  const result = parsePortsideObject(c.obj, c.old ? { old: c.old } : {});
  assert.equal(result.ok, false, `${c.name}: accepted`);
  return result.ok ? [] : result.errors;
}

for (const c of CASES) {
  test(`rejects: ${c.name}`, () => {
    const errors = errorsOf(c);
    assert.ok(
      errors.some((e) => e.path === c.field || e.message.includes(c.field)),
      `${c.name}: no error names ${c.field}: ${JSON.stringify(errors)}`,
    );
  });
}

test('every CEL rule is exercised by a rejected case', () => {
  const messages = new Set(CASES.flatMap((c) => errorsOf(c).map((e) => e.message)));
  for (const source of KINDS) {
    for (const { path, rule } of celRules(source)) {
      assert.ok(messages.has(rule.message), `${source.kind}${path}: no case triggers "${rule.message}"`);
    }
  }
});

test('transition rules allow the first write and unchanged updates', () => {
  const first = status('ServiceL2Status', {});
  assert.ok(parsePortsideObject(first, { old: of('ServiceL2Status', {}) }).ok);
  assert.ok(parsePortsideObject(first, { old: first }).ok);
  const gr = peer({ enableGracefulRestart: true });
  assert.ok(parsePortsideObject(gr, { old: gr }).ok);
  assert.ok(parsePortsideObject(peer({ enableGracefulRestart: false }), { old: peer({}) }).ok);
});

test('accepts the edges of every range', () => {
  const ok = [
    peer({ peerPort: 1, holdTime: '0', keepaliveTime: '0s' }),
    peer({ peerPort: 16384, holdTime: '3s', keepaliveTime: '1s', connectTime: '65535s' }),
    peer({ holdTime: '1m30s', keepaliveTime: '30s', connectTime: '1m' }),
    of('BFDProfile', { spec: { receiveInterval: 10, transmitInterval: 60000, detectMultiplier: 255, minimumTtl: 1 } }),
    of('BGPAdvertisement', { spec: { aggregationLength: 1, aggregationLengthV6: 1 } }),
    of('BGPAdvertisement', { spec: { serviceSelectors: [{}], aggregationLength: 32 } }),
    of('IPAddressPool', {
      spec: { addresses: ['2001:db8::/64'] },
      status: { availableIPv6: Number.MAX_SAFE_INTEGER, availableIPv6Exact: '18446744073709551616' },
    }),
  ];
  for (const obj of ok) {
    const result = parsePortsideObject(obj);
    assert.ok(result.ok, JSON.stringify(result.ok ? obj : result.errors));
  }
});
