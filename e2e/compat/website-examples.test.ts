// The grouping rule of website-examples.ts on a page written for it (no MetalLB module needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageScenarios, slug, yamlBlocks } from './website-examples.ts';

const PAGE = `---
title: A page
---

## Pools

\`\`\`yaml
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: first-pool, namespace: metallb-system }
spec: { addresses: [198.51.100.0/24] }
\`\`\`

## Announce it, or not (L2)

\`\`\`yaml
# a comment, not a heading
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: example }
\`\`\`

\`\`\`bash
kubectl apply -f x.yaml
\`\`\`

\`\`\`yaml
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: example }
spec: { ipAddressPools: [first-pool, nowhere-pool] }
---
apiVersion: v1
kind: Service
metadata: { name: app }
\`\`\`

### BFD and aliases

\`\`\`yaml
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: p }
spec: { myASN: 64512, peerASN: 64513, peerAddress: 198.51.100.254, bfdProfile: fast }
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: b }
spec: { ipAddressPools: [first-pool], communities: [vpn-only, "65535:65282"], peers: [p, q] }
\`\`\`

## Elsewhere

\`\`\`yaml
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: { name: fast }
---
apiVersion: metallb.io/v1beta1
kind: Community
metadata: { name: communities }
spec: { communities: [{ name: vpn-only, value: "1234:1" }] }
\`\`\`

## Legacy

\`\`\`yaml
apiVersion: v1
kind: ConfigMap
metadata: { name: config }
data:
  config: |
    address-pools:
    - name: legacy
      protocol: layer2
      addresses: [203.0.113.0/24]
      typo: 1
\`\`\`
`;

const names = (objects: readonly Record<string, unknown>[]) =>
  objects.map((o) => `${String(o.kind)}/${String((o.metadata as { name: string }).name)}`);

test('yaml blocks carry their heading; a # line inside a block is not a heading; other languages are skipped', () => {
  const blocks = yamlBlocks(PAGE);
  assert.deepEqual(blocks.map((b) => b.section), ['Pools', 'Announce it, or not (L2)', 'Announce it, or not (L2)', 'BFD and aliases', 'Elsewhere', 'Legacy']);
  assert.equal(blocks[0]!.line, 7);
  assert.equal(slug('Announce it, or not (L2)'), 'announce-it-or-not-l2');
});

test('one scenario per section; a redefinition starts the next; names elsewhere on the page are borrowed; the rest is unresolved', () => {
  const s = pageScenarios('page', PAGE, 'portside-system');
  assert.deepEqual(s.map((x) => x.id), [
    'page#pools', 'page#announce-it-or-not-l2', 'page#announce-it-or-not-l2 (2)', 'page#bfd-and-aliases', 'page#elsewhere', 'page#legacy',
  ]);
  const [pools, l2all, l2named, bgp, , legacy] = s;
  assert.deepEqual(names(pools!.objects), ['IPAddressPool/first-pool']);
  // The first L2Advertisement "example" (all pools) needs no pool by name: nothing is borrowed.
  assert.deepEqual(names(l2all!.objects), ['L2Advertisement/example']);
  assert.deepEqual(l2all!.borrowed, []);
  // Its redefinition names first-pool (borrowed from the Pools section) and a pool the page never defines.
  assert.deepEqual(names(l2named!.objects), ['L2Advertisement/example', 'IPAddressPool/first-pool']);
  assert.deepEqual(l2named!.borrowed, ['IPAddressPool/first-pool']);
  assert.deepEqual(l2named!.unresolved, ['IPAddressPool/nowhere-pool']);
  assert.deepEqual(l2named!.setAside, ['v1 Service']);
  assert.deepEqual(names(bgp!.objects).sort(), ['BFDProfile/fast', 'BGPAdvertisement/b', 'BGPPeer/p', 'Community/communities', 'IPAddressPool/first-pool']);
  assert.deepEqual(bgp!.unresolved, ['BGPPeer/q']);
  assert.equal(bgp!.objects.every((o) => (o.apiVersion as string) === 'portside.dev/v1beta1' && (o.metadata as { namespace: string }).namespace === 'portside-system'), true);
  // The legacy ConfigMap goes through migrate: its CRs, and the key migrate cannot carry.
  assert.deepEqual(names(legacy!.objects), ['IPAddressPool/legacy', 'L2Advertisement/l2advertisement1']);
  assert.deepEqual(legacy!.lost.map((l) => l.field), ['address-pools[0].typo']);
});
