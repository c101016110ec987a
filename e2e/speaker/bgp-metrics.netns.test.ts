// portside_bgp_announced_prefixes_total{peer} counts what the peer holds from us: what was
// sent on an Established session. One real `portside speaker` configured through the API,
// an FRR ToR; when the ToR shuts the session down the gauge reads 0 (all pending), and when
// it comes back the prefix is sent again and counted again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFrr } from '../routers/index.ts';
import { waitFor } from '../wait.ts';
import { serviceWithEndpoints, startLabCluster, type LabCluster } from './lab-cluster.ts';

const TOR_ASN = 64512;
const NODE_ASN = 64513;

async function gauges(c: LabCluster): Promise<{ up?: number; announced?: number; pending?: number }> {
  const body = (await c.scrape(c.nodes[0]!, '/metrics')).body;
  const at = (name: string) => {
    const m = new RegExp(`^${name}\\{peer="tor"\\} (\\d+)`, 'm').exec(body);
    return m ? Number(m[1]) : undefined;
  };
  return { up: at('portside_bgp_session_up'), announced: at('portside_bgp_announced_prefixes_total'), pending: at('portside_bgp_pending_prefixes_total') };
}

test('BGP metrics: announced prefixes are 0 while the peer\'s session is down', async (t) => {
  const c = await startLabCluster(t, { nodes: 1, commands: ['vtysh', '/usr/lib/frr/bgpd'] });
  if (!c) return;
  await c.lab.dumpOnFailure(async () => {
    const torIp = c.addr(2);
    const tor = await c.host('tor', 2);
    const frr = await startFrr(c.lab, tor, {
      asn: TOR_ASN,
      routerId: torIp,
      listenRanges: [{ range: c.subnet, peerGroup: 'NODES', remoteAs: NODE_ASN, timers: { keepaliveS: 3, holdS: 9 } }],
    });
    await c.apply('ipaddresspools', 'IPAddressPool', 'lab', { addresses: ['203.0.113.0/28'] });
    await c.apply('bgppeers', 'BGPPeer', 'tor', { myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: torIp, connectTime: '1s', holdTime: '9s' });
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'lab', { ipAddressPools: ['lab'] });
    await serviceWithEndpoints(c, 'e2e', 'web', c.nodes);
    const [vip] = await c.cluster.waitForIPs('e2e', 'web', 1, 20_000);
    await frr.waitKernelRoute(`${vip}/32`, [c.nodes[0]!.v4], { timeoutMs: 20_000 });
    const up = await waitFor(async () => { const g = await gauges(c); return g.up === 1 && g.announced === 1 ? g : undefined; }, { what: 'session up, one prefix announced' });
    assert.deepEqual(up, { up: 1, announced: 1, pending: 0 });

    await frr.vtysh('configure terminal', `router bgp ${TOR_ASN}`, 'neighbor NODES shutdown');
    const down = await waitFor(async () => { const g = await gauges(c); return g.up === 0 ? g : undefined; }, { timeoutMs: 15_000, what: 'session down in the metrics' });
    t.diagnostic(`session down: ${JSON.stringify(down)}`);
    assert.deepEqual(down, { up: 0, announced: 0, pending: 1 }, 'the peer holds nothing from us while the session is down');

    await frr.vtysh('configure terminal', `router bgp ${TOR_ASN}`, 'no neighbor NODES shutdown');
    const back = await waitFor(async () => { const g = await gauges(c); return g.up === 1 && g.announced === 1 ? g : undefined; }, { timeoutMs: 20_000, what: 'session up again, the prefix sent again' });
    assert.deepEqual(back, { up: 1, announced: 1, pending: 0 });
  });
});
