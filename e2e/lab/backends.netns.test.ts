// `make lab BGP_BACKEND=host-frr|frr`: the lab as a user brings it up with that switch. The
// lab's own steps must pass in each (every node's FRR Established with the ToR, the BGP
// Service's /32 at the ToR with one next hop per node, the L2 Service answered); then
// - host-frr: each node runs its own FRR (`router bgp`, the ToR as neighbour) and `portside
//   speaker --bgp-backend host-frr`, which opens no BGP session: each node's FRR carries
//   Portside's `network` line for the VIP;
// - frr: each node runs the sidecar FRR, started with no configuration, and the reloader
//   (frr-image/reloader.sh) as the frr manifest's Pod does: the configuration in each sidecar
//   is the one the speaker rendered (its BGPPeer, the VIP), applied by the reloader (ok);
// and in both, bgpd (not the speaker) holds BGP's port and a client behind the ToR is served
// by every node.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { FrrRouter } from '../routers/index.ts';
import { sharedDir } from '../speaker/frr-sidecar.ts';
import type { LabBgpBackend } from './backends.ts';
import type { PortsideLab } from './lab.ts';
import { NODE_ASN, SERVICES, TOR_V4 } from './plan.ts';
import { labOrSkip } from './testing.ts';

/** The lab with `backend`: each node's FRR checked by `perNode`; then bgpd, not the speaker, holds port 179 on each node and client-out is served by every node. */
async function labWith(t: TestContext, backend: LabBgpBackend, perNode: (lab: PortsideLab, node: string, frr: FrrRouter, vip: string) => Promise<void>): Promise<void> {
  const lab = await labOrSkip(t, backend);
  if (!lab) return;
  await lab.lab.dumpOnFailure(async () => {
    assert.equal(lab.backend.backend, backend);
    const [vip = ''] = await lab.objects.serviceIps(SERVICES.bgp.namespace, SERVICES.bgp.name);
    assert.deepEqual([...lab.backend.frr.keys()].sort(), SERVICES.bgp.nodes);
    for (const [node, frr] of lab.backend.frr) await perNode(lab, node, frr, vip);
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
}

const line = (text: string): RegExp => new RegExp(`^${text.replaceAll('.', '\\.')}$`, 'm');

test('make lab BGP_BACKEND=host-frr: the nodes\' own FRR announce what the speakers hand them', { timeout: 300_000 }, (t) => labWith(t, 'host-frr', async (lab, node, frr, vip) => {
  // The lab's advertisement carries communities: Portside's own route-map goes on its line.
  const running = await frr.vtysh('show running-config');
  const map = new RegExp(`^  network ${vip.replaceAll('.', '\\.')}/32 route-map (portside-[0-9a-f]+)$`, 'm').exec(running)?.[1];
  assert.ok(map, `${node}'s FRR announces ${vip} through a portside- route-map:\n${running}`);
  assert.match(running, new RegExp(`^route-map ${map} permit 10\\n set community [^\\n]*additive$`, 'm'), `${node}: the route-map sets the lab's communities`);
  // The lab's BGPPeer says what the node's FRR runs (timers, BFD): host-frr has nothing to name.
  const state = (await lab.objects.list('configurationstates')).find((i) => i.metadata?.name === `speaker-${node}`) as { status?: { conditions?: { type: string; message?: string }[] } } | undefined;
  const warned = state?.status?.conditions?.find((c) => c.type === 'ConfigurationWarnings');
  assert.equal(warned, undefined, `${node}: no ConfigurationWarnings: ${warned?.message ?? ''}`);
}));

test('make lab BGP_BACKEND=frr: the sidecar FRR carries what the speaker rendered, applied by the reloader', { timeout: 300_000 }, (t) => labWith(t, 'frr', async (lab, node, frr, vip) => {
  const running = await frr.vtysh('show running-config');
  assert.match(running, line(`router bgp ${NODE_ASN}`), `${node}: the speaker's router bgp`);
  assert.match(running, new RegExp(`^ neighbor ${TOR_V4.replaceAll('.', '\\.')} remote-as `, 'm'), `${node}: the BGPPeer tor`);
  assert.match(running, line(`  network ${vip}/32`), `${node}: announces ${vip}`);
  const host = lab.net.nodes.find((n) => n.name === node);
  assert.ok(host);
  const status = JSON.parse(await readFile(join(sharedDir(host), 'reload.status'), 'utf8')) as { ok: boolean; generation: number };
  assert.equal(status.ok, true, `${node}: the reloader applied generation ${status.generation}`);
}));
