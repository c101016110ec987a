import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { buildConfig } from '../config/index.ts';
import { migrateDocuments } from './migrate.ts';

const NS = 'portside-system';

test('metallb.io CRs become portside.dev objects in the namespace; unknown fields are listed, status and metadata noise dropped', () => {
  const r = migrateDocuments([
    { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'first-pool', namespace: 'metallb-system', uid: 'u', labels: { a: 'b' } },
      spec: { addresses: ['198.51.100.0/24'] }, status: { assignedIPv4: 1 } },
    { apiVersion: 'metallb.io/v1beta1', kind: 'BGPAdvertisement', metadata: { name: 'adv' }, spec: { ipAddressPools: ['first-pool'], asPathPrepend: 2 } },
    { apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', metadata: { name: 'p' }, spec: { myASN: 64512, peerASN: 64513, peerAddress: '198.51.100.254', passwordSecret: {} } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } },
  ], NS);
  assert.deepEqual(r.objects[0], { apiVersion: 'portside.dev/v1beta1', kind: 'IPAddressPool', metadata: { name: 'first-pool', namespace: NS, labels: { a: 'b' } }, spec: { addresses: ['198.51.100.0/24'] } });
  assert.deepEqual(r.objects.map((o) => o.kind), ['IPAddressPool', 'BGPAdvertisement', 'BGPPeer']);
  assert.deepEqual(r.lost.map((l) => `${l.object} ${l.field}`), ['BGPAdvertisement/adv spec.asPathPrepend', 'Secret/s apiVersion']);
  const built = buildConfig({ pools: [r.objects[0]], l2Advertisements: [], bgpAdvertisements: [r.objects[1]], bgpPeers: [r.objects[2]], bfdProfiles: [], communities: [] });
  assert.ok(built.ok, JSON.stringify(!built.ok && built.errors));
});

test('the legacy ConfigMap format converts as MetalLB\'s converter does, and lists unknown keys', () => {
  const config = `
peers:
- my-asn: 64512
  peer-asn: 64513
  peer-address: 198.51.100.254
  hold-time: 90s
  bfd-profile: Fast_One
  node-selectors:
  - match-labels: { rack: "1" }
bgp-communities:
  no-export: 65535:65281
bfd-profiles:
- name: Fast_One
  receive-interval: 100
address-pools:
- name: Default_Pool
  protocol: bgp
  addresses: [198.51.100.0/25]
  bgp-advertisements:
  - aggregation-length: 32
    localpref: 100
    communities: [no-export]
- name: l2
  protocol: layer2
  addresses: [198.51.100.128/25]
  auto-assign: false
  typo-field: 1
`;
  const r = migrateDocuments([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config', namespace: 'metallb-system' }, data: { config } }], NS);
  assert.deepEqual(r.objects.map((o) => `${String(o.kind)}/${String((o.metadata as { name: string }).name)}`), [
    'BFDProfile/fast-one', 'Community/communities', 'BGPPeer/peer1', 'IPAddressPool/default-pool', 'BGPAdvertisement/bgpadvertisement1',
    'IPAddressPool/l2', 'L2Advertisement/l2advertisement1',
  ]);
  assert.deepEqual(r.lost.map((l) => l.field), ['address-pools[1].typo-field']);
  const of = (kind: string) => r.objects.filter((o) => o.kind === kind);
  const built = buildConfig({ pools: of('IPAddressPool'), l2Advertisements: of('L2Advertisement'), bgpAdvertisements: of('BGPAdvertisement'),
    bgpPeers: of('BGPPeer'), bfdProfiles: of('BFDProfile'), communities: of('Community') });
  assert.ok(built.ok, JSON.stringify(!built.ok && built.errors));
  assert.equal(built.config.bgpPeers.get('peer1')!.bfdProfile?.receiveIntervalMs, 100);
  assert.equal(built.config.pools.get('l2')!.autoAssign, false);
});

test('Lists are flattened; a kind Portside lacks is listed', () => {
  const r = migrateDocuments([parse('{apiVersion: v1, kind: List, items: [{apiVersion: metallb.io/v1beta1, kind: Nope, metadata: {name: x}}]}')], NS);
  assert.deepEqual(r.objects, []);
  assert.deepEqual(r.lost.map((l) => l.field), ['kind']);
});
