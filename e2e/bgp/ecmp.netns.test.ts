// Three `portside speaker` nodes (configured through the API) announce one Service's VIP to an
// FRR ToR with `bgp listen range` and `maximum-paths 8`: the kernel route has three next
// hops; a BGPAdvertisement whose nodeSelectors leave one node out withdraws that node's path
// alone (its session stays up), leaving two; selecting it again brings the third back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resilienceLab, speakerEvents, VIP_PREFIX } from '../resilience/lab.ts';

test('`portside speaker` ECMP: three nodes give FRR a 3-way kernel route; one node deselected leaves two', async (t) => {
  const r = await resilienceLab(t, { nodes: 3 });
  if (!r) return;
  const { c, frr } = r;
  await c.lab.dumpOnFailure(async () => {
    const all = r.nodes.map((n) => n.v4);
    assert.deepEqual(await frr.kernelNextHops(VIP_PREFIX), [...all].sort());
    t.diagnostic('FRR installed a 3-way ECMP route');
    const [left] = r.nodes;
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'vip', {
      ipAddressPools: ['vip'],
      nodeSelectors: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: [left!.name] }] }],
    });
    await frr.waitKernelRoute(VIP_PREFIX, all.slice(1), { timeoutMs: 15_000 });
    // A merge patch: null removes the field.
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'vip', { ipAddressPools: ['vip'], nodeSelectors: null });
    await frr.waitKernelRoute(VIP_PREFIX, all, { timeoutMs: 15_000 });
    for (const n of r.nodes) assert.deepEqual(speakerEvents(n, 'bgp_session_down'), [], `${n.name}: a withdrawal, not a session reset`);
  });
});
