// TCP-MD5 (RFC 2385) against FRR: the same password reaches Established (both directions
// are signed: our connect and our listener); a wrong one never does, and we say why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNativeAvailable } from '../../native/index.ts';
import { startFrr } from '../routers/index.ts';
import { waitFor } from '../wait.ts';
import { SpeakerWorker, speakerLab } from './harness.ts';
import { FAST_DEFAULTS, NODE_ASN, TOR, hostRoute, torAndNodes, torPeers } from './topology.ts';

test('MD5: matching password → Established with routes; wrong password → never, with a hint', async (t) => {
  const lab = await speakerLab(t, ['vtysh', '/usr/lib/frr/bgpd']);
  if (!lab) return;
  assert.ok(isNativeAvailable(), 'native addon built (native/build.sh)');
  await lab.dumpOnFailure(async () => {
    const { tor, nodes } = await torAndNodes(lab, 2);
    const [good, bad] = [nodes[0]!, nodes[1]!];
    const frr = await startFrr(lab, tor, {
      asn: TOR.asn,
      routerId: TOR.v4,
      neighbors: [
        { address: good.v4, remoteAs: NODE_ASN, password: 'portside-secret' },
        { address: bad.v4, remoteAs: NODE_ASN, password: 'portside-secret' },
      ],
    });
    const start = (n: typeof good, password: string) =>
      SpeakerWorker.start(lab, n.ns, {
        node: { name: n.ns.name, addresses: [n.v4] },
        listenPort: 179,
        defaults: FAST_DEFAULTS,
        peers: torPeers({ password }).slice(0, 1),
        routes: { tor4: [hostRoute(`203.0.113.${n.v4.split('.')[3]}/32`)] },
      });
    const [goodWorker, badWorker] = await Promise.all([start(good, 'portside-secret'), start(bad, 'not-the-secret')]);
    await goodWorker.waitUp('tor4');
    await frr.waitBgpRoute('203.0.113.10/32', [good.v4]);

    // Wrong key: segments are dropped silently, so each attempt times out after connectTime.
    const hint = await badWorker.waitLine((l) => l.event === 'bgp_connect_failed' && /password\/MD5/.test(l.msg ?? ''), { timeoutMs: 5_000 });
    assert.equal(hint.outcome, 'noReply');
    await waitFor(() => badWorker.events('connectFailed', 'tor4').length >= 2, { what: 'a second failed attempt', timeoutMs: 5_000 });
    assert.deepEqual(badWorker.events('up'), [], 'never Established with the wrong password');
    assert.notEqual((await frr.bgpNeighbors())[bad.v4]?.bgpState, 'Established');
  });
});
