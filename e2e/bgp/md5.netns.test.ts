// TCP-MD5 (RFC 2385) between the shipped `portside speaker` (configured through the API:
// BGPPeers with passwordSecret / password, one per node by nodeSelectors) and FRR: the same
// password reaches Established and FRR gets the Service's route; a wrong one never does, and
// the speaker says why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { isNativeAvailable } from '../../native/index.ts';
import { INSTALL_NAMESPACE } from '../controlplane.ts';
import { startFrr } from '../routers/index.ts';
import { serviceWithEndpoints, startLabCluster } from '../speaker/lab-cluster.ts';
import { speakerEvents } from '../resilience/lab.ts';
import { waitFor } from '../wait.ts';

const TOR_ASN = 64512;
const NODE_ASN = 64600;
const SECRET = 'portside-secret';

test('`portside speaker` MD5: matching password → Established with routes; wrong password → never, with a hint', async (t) => {
  const c = await startLabCluster(t, { nodes: 2, commands: ['vtysh', '/usr/lib/frr/bgpd'], router: {} });
  if (!c) return;
  assert.ok(isNativeAvailable(), 'native addon built (native/build.sh)');
  await c.lab.dumpOnFailure(async () => {
    const [good, bad] = [c.nodes[0]!, c.nodes[1]!];
    const router = c.router!;
    const frr = await startFrr(c.lab, router.ns, {
      asn: TOR_ASN,
      routerId: router.v4,
      neighbors: [good, bad].map((n) => ({ address: n.v4, remoteAs: NODE_ASN, password: SECRET, timers: { keepaliveS: 3, holdS: 9 } })),
    });
    await c.plane.kubeconfig.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: INSTALL_NAMESPACE,
      body: { metadata: { name: 'tor-md5' }, type: 'kubernetes.io/basic-auth', stringData: { password: SECRET } },
    });
    const peer = (node: string) => ({
      myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: router.v4, connectTime: '1s', holdTime: '9s',
      nodeSelectors: [{ matchLabels: { 'kubernetes.io/hostname': node } }],
    });
    await c.apply('bgppeers', 'BGPPeer', 'tor-good', { ...peer(good.name), passwordSecret: { name: 'tor-md5', namespace: INSTALL_NAMESPACE } });
    await c.apply('bgppeers', 'BGPPeer', 'tor-bad', { ...peer(bad.name), password: 'not-the-secret' });
    await c.apply('ipaddresspools', 'IPAddressPool', 'vip', { addresses: ['203.0.113.10/32'] });
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'vip', { ipAddressPools: ['vip'] });
    await serviceWithEndpoints(c, 'e2e', 'web', c.nodes);
    assert.deepEqual(await c.cluster.waitForIPs('e2e', 'web', 1, 30_000), ['203.0.113.10']);
    await frr.waitBgpRoute('203.0.113.10/32', [good.v4], { timeoutMs: 30_000 });
    await frr.waitEstablished(good.v4);

    // Wrong key: segments are dropped silently, so each attempt times out after connectTime.
    const failed = () => speakerEvents(bad, 'bgp_connect_failed', 'tor-bad');
    const hint = await waitFor(() => failed().find((l) => /password\/MD5/.test(String(l.msg))), { what: 'the MD5 hint', timeoutMs: 30_000 });
    assert.equal(hint.outcome, 'noReply');
    await waitFor(() => failed().length >= 2, { what: 'a second failed attempt', timeoutMs: 30_000 });
    assert.deepEqual(speakerEvents(bad, 'bgp_session_established'), [], 'never Established with the wrong password');
    assert.notEqual((await frr.bgpNeighbors())[bad.v4]?.bgpState, 'Established');
    assert.deepEqual(await frr.bgpNextHops('203.0.113.10/32'), [good.v4], 'only the node with the right password announces');
    assert.equal(speakerEvents(good, 'bgp_session_established', 'tor-good').length, 1);
  });
});
