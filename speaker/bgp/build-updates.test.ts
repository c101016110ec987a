import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdjRibOut } from './adj-rib-out.ts';
import { buildUpdates, buildWithdrawals } from './build-updates.ts';
import { exportAttributes } from './export-policy.ts';
import type { ExportContext } from './export-policy.ts';
import { decodeMessage } from './message.ts';
import { AS_TRANS } from './open.ts';
import { type Cidr, formatCidr, mustParseCidr } from '../../lib/ip/index.ts';
import type { AnnouncedRoute, OutboundRoute, RouteAttributes } from './route.ts';
import type { UpdateMessage } from './update.ts';

const attrs: RouteAttributes = { origin: 0, asPath: [64512], nextHop4: 0xc6336401n, communities: [0xffff0000] };
const v6attrs: RouteAttributes = { origin: 0, asPath: [64512], nextHop6: { global: 0x20010db8n << 96n, linkLocal: 0xfe80n << 112n } };
const hosts = (n: number, family: 4 | 6 = 4): Cidr[] =>
  Array.from({ length: n }, (_, i) => (family === 4 ? { family, base: 0xcb000000n + BigInt(i), len: 32 } : { family, base: (0x20010db8n << 96n) + BigInt(i), len: 128 }));
const decodeAll = (bufs: Buffer[], fourOctetAs = true): UpdateMessage[] =>
  bufs.map((b) => {
    const m = decodeMessage(b, { fourOctetAs }).value;
    assert.ok(m.type === 'update');
    return m;
  });
const announced = (ms: UpdateMessage[]): string[] =>
  ms.flatMap((m) => [...m.nlri, ...m.attributes.flatMap((a) => (a.type === 'mpReach' ? a.nlri : []))]).map(formatCidr);

describe('buildUpdates', () => {
  it('packs prefixes with equal attributes into one UPDATE', () => {
    const routes: OutboundRoute[] = hosts(10).map((prefix) => ({ prefix, attributes: { ...attrs } }));
    const ms = decodeAll(buildUpdates(routes, { fourOctetAs: true }));
    assert.equal(ms.length, 1);
    assert.equal(ms[0]?.nlri.length, 10);
  });

  it('groups by attributes', () => {
    const routes: OutboundRoute[] = hosts(4).map((prefix, i) => ({ prefix, attributes: { ...attrs, med: i % 2 } }));
    const ms = decodeAll(buildUpdates(routes, { fourOctetAs: true }));
    assert.deepEqual(ms.map((m) => m.nlri.length), [2, 2]);
  });

  for (const family of [4, 6] as const) {
    it(`splits IPv${family} at the 4096-byte limit and loses no prefix`, () => {
      const routes = hosts(3000, family).map((prefix) => ({ prefix, attributes: family === 4 ? attrs : v6attrs }));
      const bufs = buildUpdates(routes, { fourOctetAs: true });
      assert.ok(bufs.length > 1);
      for (const b of bufs) assert.ok(b.length <= 4096, `${b.length}`);
      assert.ok(bufs.slice(0, -1).every((b) => b.length > 4096 - (family === 4 ? 5 : 17)), 'messages are full');
      assert.deepEqual(announced(decodeAll(bufs)), routes.map((r) => formatCidr(r.prefix)));
    });
  }

  it('honours a smaller maxMessageLength', () => {
    const bufs = buildUpdates(hosts(100).map((prefix) => ({ prefix, attributes: attrs })), { fourOctetAs: true, maxMessageLength: 200 });
    assert.ok(bufs.every((b) => b.length <= 200));
  });

  it('sends AS_TRANS plus AS4_PATH to a 2-octet peer', () => {
    const [m] = decodeAll(buildUpdates([{ prefix: mustParseCidr('203.0.113.1/32'), attributes: { ...attrs, asPath: [4200000000] } }], { fourOctetAs: false }), false);
    assert.deepEqual(m?.attributes.find((a) => a.type === 'asPath'), { type: 'asPath', segments: [{ type: 'sequence', asns: [AS_TRANS] }] });
    assert.deepEqual(m?.attributes.find((a) => a.type === 'as4Path'), { type: 'as4Path', segments: [{ type: 'sequence', asns: [4200000000] }] });
  });

  it('splits withdrawals of both families', () => {
    const bufs = buildWithdrawals([...hosts(2000), ...hosts(500, 6)], { fourOctetAs: true });
    for (const b of bufs) assert.ok(b.length <= 4096);
    const ms = decodeAll(bufs);
    const v4 = ms.flatMap((m) => m.withdrawn).length;
    const v6 = ms.flatMap((m) => m.attributes.flatMap((a) => (a.type === 'mpUnreach' ? a.withdrawn : []))).length;
    assert.deepEqual([v4, v6], [2000, 500]);
  });
});

describe('exportAttributes (what we send)', () => {
  const route: AnnouncedRoute = { prefix: mustParseCidr('203.0.113.5/32'), localPref: 300, communities: [1, 1, 2] };
  const base: ExportContext = { localAs: 64512, ibgp: false, nextHop4: 0xc6336401n };
  it('eBGP prepends our ASN and drops LOCAL_PREF', () => {
    assert.deepEqual(exportAttributes(route, base), { origin: 0, asPath: [64512], nextHop4: 0xc6336401n, communities: [1, 2] });
  });
  it('iBGP sends an empty AS_PATH and LOCAL_PREF (route, config, then 100)', () => {
    assert.equal(exportAttributes(route, { ...base, ibgp: true })?.localPref, 300);
    assert.deepEqual(exportAttributes({ prefix: route.prefix }, { ...base, ibgp: true }), { origin: 0, asPath: [], nextHop4: 0xc6336401n, localPref: 100 });
    assert.equal(exportAttributes({ prefix: route.prefix }, { ...base, ibgp: true, localPref: 50 })?.localPref, 50);
  });
  it('uses the IPv6 global + link-local next hop, and refuses without one', () => {
    const p = mustParseCidr('2001:db8::5/128');
    assert.equal(exportAttributes({ prefix: p }, base), undefined);
    assert.deepEqual(exportAttributes({ prefix: p }, { ...base, nextHop6: { global: 1n, linkLocal: 2n } })?.nextHop6, { global: 1n, linkLocal: 2n });
  });
});

describe('AdjRibOut', () => {
  const ctx: ExportContext = { localAs: 64512, ibgp: false, nextHop4: 0xc6336401n };
  const exp = (r: AnnouncedRoute): RouteAttributes | undefined => exportAttributes(r, ctx);
  const a = mustParseCidr('203.0.113.1/32');
  const b = mustParseCidr('203.0.113.2/32');
  it('sends only changes; identical re-announcements send nothing', () => {
    const rib = new AdjRibOut();
    rib.announce([{ prefix: a }, { prefix: b }]);
    assert.equal(rib.takeChanges(exp).announce.length, 2);
    rib.announce([{ prefix: a }]);
    assert.deepEqual(rib.takeChanges(exp), { announce: [], withdraw: [] });
    rib.announce([{ prefix: a, communities: [7] }]);
    assert.deepEqual(rib.takeChanges(exp).announce.map((r) => r.attributes.communities), [[7]]);
    rib.replace([{ prefix: a, communities: [7] }]);
    assert.deepEqual(rib.takeChanges(exp), { announce: [], withdraw: [b] });
    rib.withdraw([b]);
    assert.deepEqual(rib.takeChanges(exp), { announce: [], withdraw: [] });
  });
  it('resends everything after reset', () => {
    const rib = new AdjRibOut();
    rib.announce([{ prefix: a }]);
    rib.takeChanges(exp);
    rib.reset();
    assert.equal(rib.takeChanges(exp).announce.length, 1);
  });
});
