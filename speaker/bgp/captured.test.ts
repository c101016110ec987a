// Our codec against bytes real routers sent (FRR 8.4, GoBGP 3, BIRD 2), recorded by
// e2e/bgp/capture-fixtures.ts into fixtures/<router>-<message>.hex. Pure: reads files only.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Capability } from './capabilities.ts';
import { formatCidr, formatIp } from '../../lib/ip/index.ts';
import { decodeMessage, encodeMessage, endOfRibFamily, formatBgpId, parseCommunity, peerAsn } from './index.ts';
import type { BgpMessage, NotificationMessage, OpenMessage, PathAttribute, UpdateMessage } from './index.ts';

const DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ROUTERS = ['frr', 'gobgp', 'bird'] as const;
// What capture-fixtures.ts configures on every router.
const ROUTER_ASN = 64512;
const ROUTER_ID = '198.51.100.1';
const NEXT_HOP4 = '198.51.100.1';
const NEXT_HOP6 = '2001:db8:100::1';
const PREFIX = { ipv4: '203.0.113.0/24', ipv6: '2001:db8:ff::/48' } as const;
const COMMUNITY = parseCommunity('64512:100');
const LARGE = { globalAdmin: 64512, localData1: 1, localData2: 2 };
const FAMILIES = ['ipv4', 'ipv6'] as const;
const AFI = { ipv4: 1, ipv6: 2 } as const;

function load(name: string): Buffer {
  const text = readFileSync(`${DIR}${name}`, 'utf8');
  const lines = text.split('\n');
  assert.match(lines[0] ?? '', /^# (FRR|GoBGP|BIRD) \S+: .+/, `${name}: header names router and version`);
  return Buffer.from(lines.filter((l) => l.trim() && !l.startsWith('#')).join('').trim(), 'hex');
}

function decode<T extends BgpMessage['type']>(name: string, type: T): Extract<BgpMessage, { type: T }> {
  const bytes = load(name);
  const d = decodeMessage(bytes);
  assert.equal(d.bytesRead, bytes.length, `${name}: one whole message`);
  assert.deepEqual(d.attributeErrors, [], `${name}: no RFC 7606 errors`);
  assert.equal(d.value.type, type, name);
  return d.value as Extract<BgpMessage, { type: T }>;
}

const attr = <K extends PathAttribute['type']>(u: UpdateMessage, type: K) =>
  u.attributes.find((a): a is Extract<PathAttribute, { type: K }> => a.type === type);
const hasCap = (o: OpenMessage, pred: (c: Capability) => boolean) => o.capabilities.some(pred);

test('every fixture decodes as one whole message without errors', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.hex'));
  assert.ok(files.length >= 24, `fixtures present (${files.length})`);
  for (const f of files) {
    const bytes = load(f);
    const d = decodeMessage(bytes);
    assert.equal(d.bytesRead, bytes.length, f);
    assert.deepEqual(d.attributeErrors, [], f);
  }
});

for (const router of ROUTERS) {
  test(`${router}: OPEN per session family carries version 4, AS ${ROUTER_ASN} and the capabilities`, () => {
    for (const family of FAMILIES) {
      const name = `${router}-open-${family}.hex`;
      const open = decode(name, 'open');
      assert.equal(open.version, 4);
      assert.equal(open.myAs, ROUTER_ASN);
      assert.equal(peerAsn(open), ROUTER_ASN);
      assert.equal(formatBgpId(open.bgpId), ROUTER_ID);
      assert.ok(hasCap(open, (c) => c.kind === 'multiprotocol' && c.afi === AFI[family] && c.safi === 1), `${name}: MP ${family} unicast`);
      assert.ok(hasCap(open, (c) => c.kind === 'fourOctetAs' && c.asn === ROUTER_ASN), `${name}: 4-octet AS`);
      assert.ok(hasCap(open, (c) => c.kind === 'routeRefresh'), `${name}: route refresh`);
      assert.ok(hasCap(open, (c) => c.kind === 'gracefulRestart'), `${name}: graceful restart`);
      assert.deepEqual(open.unknownParameters, []);
      // We write one capability per optional parameter, as FRR does; GoBGP and BIRD pack
      // them all into one parameter, so only the decoded value survives a round trip there.
      const again = encodeMessage(open);
      assert.deepEqual(decodeMessage(again).value, open, `${name}: re-encoded OPEN decodes the same`);
      if (router === 'frr') assert.deepEqual(again, load(name), `${name}: re-encoded bytes`);
    }
  });

  test(`${router}: UPDATEs carry the prefix, next hop, community and large community`, () => {
    for (const family of FAMILIES) {
      const name = `${router}-update-${family}.hex`;
      const u = decode(name, 'update');
      assert.deepEqual(u.withdrawn, []);
      assert.deepEqual(attr(u, 'asPath')?.segments, [{ type: 'sequence', asns: [ROUTER_ASN] }], `${name}: AS_PATH`);
      assert.ok(attr(u, 'origin'), `${name}: ORIGIN`);
      if (family === 'ipv4') {
        assert.deepEqual(u.nlri.map(formatCidr), [PREFIX.ipv4]);
        const hop = attr(u, 'nextHop');
        assert.ok(hop, `${name}: NEXT_HOP`);
        assert.equal(formatIp({ family: 4, value: hop.addr }), NEXT_HOP4);
        assert.equal(attr(u, 'mpReach'), undefined);
      } else {
        assert.deepEqual(u.nlri, []);
        const mp = attr(u, 'mpReach');
        assert.ok(mp, `${name}: MP_REACH_NLRI`);
        assert.deepEqual(mp.nlri.map(formatCidr), [PREFIX.ipv6]);
        assert.equal(formatIp({ family: 6, value: mp.nextHop.global }), NEXT_HOP6);
        // FRR and BIRD add the link-local next hop on a shared LAN; GoBGP does not.
        if (router === 'gobgp') assert.equal(mp.nextHop.linkLocal, undefined);
        else assert.match(formatIp({ family: 6, value: mp.nextHop.linkLocal ?? 0n }), /^fe80::/);
      }
      assert.deepEqual(attr(u, 'communities')?.values, [COMMUNITY], `${name}: community`);
      assert.deepEqual(attr(u, 'largeCommunities')?.values, [LARGE], `${name}: large community`);
      assert.equal(endOfRibFamily(u), undefined);
      const again = decodeMessage(encodeMessage(u));
      assert.deepEqual(again.value, u, `${name}: decode → encode → decode`);
      assert.deepEqual(again.attributeErrors, []);
    }
  });

  test(`${router}: End-of-RIB for both families`, () => {
    for (const family of FAMILIES) {
      const name = `${router}-eor-${family}.hex`;
      const u = decode(name, 'update');
      assert.equal(endOfRibFamily(u), family === 'ipv4' ? 4 : 6);
      assert.deepEqual(encodeMessage(u), load(name), `${name}: re-encoded bytes`);
    }
  });

  test(`${router}: KEEPALIVE and Cease NOTIFICATIONs`, () => {
    const ka = decode(`${router}-keepalive.hex`, 'keepalive');
    assert.deepEqual(encodeMessage(ka), load(`${router}-keepalive.hex`));
    const notifications: Array<[string, number]> = [[`${router}-notification-shutdown.hex`, 2]];
    // FRR 8.4 closes the socket without a NOTIFICATION on SIGTERM: no -stop fixture.
    if (router === 'gobgp') notifications.push([`${router}-notification-stop.hex`, 3]);
    if (router === 'bird') notifications.push([`${router}-notification-stop.hex`, 2]);
    for (const [name, subcode] of notifications) {
      const n: NotificationMessage = decode(name, 'notification');
      assert.equal(n.code, 6, `${name}: Cease`);
      assert.equal(n.subcode, subcode, `${name}: subcode`);
      assert.deepEqual(encodeMessage(n), load(name), `${name}: re-encoded bytes`);
    }
  });
}
