// `make lab BGP_BACKEND=host-frr`: the lab as a user brings it up with that switch — each node
// runs its own FRR (`router bgp`, the ToR as neighbour) and `portside speaker --bgp-backend
// host-frr`, which opens no BGP session. The lab's own steps must pass (every node's FRR
// Established with the ToR, the BGP Service's /32 at the ToR with one next hop per node, the
// L2 Service answered); then each node's FRR carries Portside's `network` line for the VIP,
// no speaker listens on BGP's port, and a client behind the ToR is served by every node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SERVICES } from './plan.ts';
import { labOrSkip } from './testing.ts';

test('make lab BGP_BACKEND=host-frr: the nodes\' own FRR announce what the speakers hand them', { timeout: 300_000 }, async (t) => {
  const lab = await labOrSkip(t, 'host-frr');
  if (!lab) return;
  await lab.lab.dumpOnFailure(async () => {
    assert.equal(lab.backend.backend, 'host-frr');
    const [vip = ''] = await lab.objects.serviceIps(SERVICES.bgp.namespace, SERVICES.bgp.name);
    assert.deepEqual([...lab.backend.frr.keys()].sort(), SERVICES.bgp.nodes);
    for (const [node, frr] of lab.backend.frr) {
      assert.match(await frr.vtysh('show running-config'), new RegExp(`^  network ${vip.replaceAll('.', '\\.')}/32$`, 'm'), `${node}'s FRR announces ${vip}`);
    }
    // BGP's port on each node is FRR's bgpd, not the speaker.
    for (const n of lab.net.nodes) {
      const { stdout } = await n.ns.exec('ss', ['-Htlnp', 'sport', '= :179']);
      assert.match(stdout, /"bgpd"/, `${n.name}: bgpd listens on 179`);
      assert.doesNotMatch(stdout, /"node"/, `${n.name}: the speaker does not`);
    }
    const r = await lab.probe(lab.net.clientOut, vip, 30);
    t.diagnostic(`30 requests to ${vip}: ${JSON.stringify(r.byNode)}`);
    assert.equal(r.failed, 0, r.errors.join('; '));
    assert.deepEqual(Object.keys(r.byNode).sort(), SERVICES.bgp.nodes);
  });
});
