import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toBgpPeer } from './peer-spec.ts';
import { interfaceNextHops } from '../../speaker/bgp/next-hops.ts';
import { canonicalAddress } from '../../speaker/bgp/listener.ts';
import { parseBgpId } from '../../speaker/bgp/open.ts';
import { planPeerSession } from '../../speaker/bgp/peer-config.ts';
import { connectHint } from '../../speaker/bgp/peers.ts';

const node = { name: 'n1', addresses: ['2001:db8:100::10', '198.51.100.10'] };
const peer = toBgpPeer({ name: 'tor', myASN: 64600, peerAddress: '198.51.100.1', dynamicASN: 'external', holdTimeS: 9, keepaliveS: 3 });

describe('planPeerSession', () => {
  it('maps a BGPPeer: router ID from the first IPv4 of the node, dynamic ASN, seconds, one family', () => {
    const r = planPeerSession(peer, node, { connectTime: 2, maxBackoff: 30 });
    assert.ok(r.ok);
    assert.equal(r.plan.config.routerId, parseBgpId('198.51.100.10'));
    assert.equal(r.plan.config.peerAs, 'external');
    assert.deepEqual([r.plan.config.holdTime, r.plan.config.keepaliveTime, r.plan.config.connectTime, r.plan.config.maxBackoff], [9, 3, 2, 30]);
    assert.deepEqual(r.plan.config.families, [4]);
    assert.equal(r.plan.peerAddress, '198.51.100.1');
  });
  it('dual-stack peers advertise both families; graceful restart when enabled', () => {
    const r = planPeerSession({ ...peer, dualStackAddressFamily: true, enableGracefulRestart: true }, node);
    assert.ok(r.ok);
    assert.deepEqual(r.plan.config.families, [4, 6]);
    assert.equal(r.plan.config.gracefulRestart?.restartTime, 120);
  });
  it('changes of identity, timers or password change the key; equal input keeps it', () => {
    const key = (p: typeof peer) => {
      const r = planPeerSession(p, node);
      assert.ok(r.ok);
      return r.plan.key;
    };
    const base = key(peer);
    assert.equal(key({ ...peer }), base);
    for (const change of [{ holdTimeMs: 30_000 }, { password: 'x' }, { myASN: 64601 }, { peerPort: 1179 }, { ebgpMultiHop: true }]) {
      assert.notEqual(key({ ...peer, ...change }), base, JSON.stringify(change));
    }
  });
  it('refuses a peer without an address, or a node without IPv4 and no routerID', () => {
    assert.equal(planPeerSession({ ...peer, peerAddress: undefined }, node).ok, false);
    const r = planPeerSession(peer, { name: 'v6only', addresses: ['2001:db8::1'] });
    assert.ok(!r.ok && /router ID/.test(r.reason));
    assert.ok(planPeerSession(peer, { name: 'v6only', routerId: '198.51.100.7', addresses: [] }).ok);
  });
});

describe('next hops and addresses', () => {
  const table = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '', mac: '', cidr: null }],
    eth0: [
      { address: '198.51.100.10', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null },
      { address: '2001:db8:100::10', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 0 },
      { address: 'fe80::1', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 2 },
    ],
  } as const;
  it('finds the other family and the link-local address on the session interface', () => {
    const t = table as unknown as Parameters<typeof interfaceNextHops>[1];
    assert.deepEqual(interfaceNextHops('::ffff:198.51.100.10', t), { nextHop4: '198.51.100.10', nextHop6: '2001:db8:100::10', linkLocal6: 'fe80::1' });
    assert.deepEqual(interfaceNextHops('2001:db8:100:0::10', t).linkLocal6, 'fe80::1');
    assert.deepEqual(interfaceNextHops('198.51.100.99', t), {});
  });
  it('canonicalAddress unmaps IPv4 and normalises IPv6 text', () => {
    assert.equal(canonicalAddress('::ffff:198.51.100.1'), '198.51.100.1');
    assert.equal(canonicalAddress('2001:DB8:0:0::1'), '2001:db8::1');
    assert.equal(canonicalAddress('fe80::1%eth0'), 'fe80::1');
  });
  it('connect hints name the likely cause', () => {
    assert.match(connectHint({ outcome: 'noReply', message: '', elapsedMs: 1000 }, true), /password\/MD5/);
    assert.match(connectHint({ outcome: 'refused', message: '', elapsedMs: 1 }, false), /refused/);
  });
});
