import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { mergeSharedIps, ownedIPs, ownerOf, ownershipHash, rankCandidates, type OwnerCandidate } from './ownership.ts';

const nodes = (...names: string[]): OwnerCandidate[] => names.map((node) => ({ node, weight: 0 }));

test('ownerOf ranks by sha256(node#ip), lowest hex first', () => {
  const ip = '198.51.100.100';
  const expected = ['n1', 'n2', 'n3'].sort((a, b) => (ownershipHash(a, ip) < ownershipHash(b, ip) ? -1 : 1))[0];
  assert.equal(ownerOf(ip, nodes('n1', 'n2', 'n3')), expected);
  // Golden value: every speaker (and any other implementation) must hash exactly this text.
  assert.equal(ownershipHash('n1', ip), '122996408035f86b7a31fed5b280ad97c3013977e839af0098a9b87bb191fcca');
});

test('ownerOf: higher preferred-node weight wins before the hash', () => {
  const ip = '198.51.100.100';
  const byHash = ownerOf(ip, nodes('n1', 'n2', 'n3'));
  const other = ['n1', 'n2', 'n3'].find((n) => n !== byHash) ?? '';
  const candidates = nodes('n1', 'n2', 'n3').map((c) => (c.node === other ? { ...c, weight: 10 } : c));
  assert.equal(ownerOf(ip, candidates), other);
});

test('ownerOf: deterministic regardless of candidate order and IP spelling', () => {
  const list = nodes('a', 'b', 'c', 'd', 'e');
  const owner = ownerOf('2001:db8:300::100', list);
  assert.equal(ownerOf('2001:DB8:300:0:0::100', [...list].reverse()), owner);
  assert.equal(ownerOf('2001:db8:300::100', list), owner);
  assert.equal(ownerOf('198.51.100.1', []), undefined);
});

test('rankCandidates keeps the highest weight of a node listed twice', () => {
  const ranked = rankCandidates('198.51.100.7', [
    { node: 'a', weight: 1 },
    { node: 'a', weight: 5 },
    { node: 'b', weight: 3 },
  ]);
  assert.deepEqual(ranked, [
    { node: 'a', weight: 5 },
    { node: 'b', weight: 3 },
  ]);
});

test('ownedIPs: only live candidates count, self is always live', () => {
  const ips = [{ ip: '198.51.100.100', candidates: nodes('n1', 'n2', 'n3') }];
  const owner = ownerOf('198.51.100.100', nodes('n1', 'n2', 'n3')) ?? '';
  const live = new Set(['n1', 'n2', 'n3']);
  assert.deepEqual(ownedIPs(owner, ips, live), ['198.51.100.100']);
  const others = ['n1', 'n2', 'n3'].filter((n) => n !== owner);
  for (const n of others) assert.deepEqual(ownedIPs(n, ips, live), []);
  // The owner is dead in everybody else's view: exactly one survivor takes over.
  const survivors = others.filter((n) => ownedIPs(n, ips, new Set(others)).length === 1);
  assert.equal(survivors.length, 1);
  assert.equal(survivors[0], ownerOf('198.51.100.100', nodes(...others)));
});

test('shared IPs: every Service on one IP gets the same node', () => {
  const ip = '198.51.100.50';
  const merged = mergeSharedIps([
    { ip, candidates: nodes('n1', 'n2', 'n3') },
    { ip, candidates: nodes('n2', 'n3') },
  ]);
  assert.equal(merged.length, 1);
  assert.deepEqual(merged[0]?.candidates.map((c) => c.node).sort(), ['n2', 'n2', 'n3', 'n3']);
  const live = new Set(['n1', 'n2', 'n3']);
  const owners = ['n1', 'n2', 'n3'].filter((n) => ownedIPs(n, [{ ip, candidates: nodes('n1', 'n2', 'n3') }, { ip, candidates: nodes('n2', 'n3') }], live).length);
  assert.equal(owners.length, 1);
  assert.notEqual(owners[0], 'n1');
  // Disjoint candidate sets: fall back to the union rather than announcing nowhere.
  assert.equal(mergeSharedIps([{ ip, candidates: nodes('n1') }, { ip, candidates: nodes('n2') }])[0]?.candidates.length, 2);
});

const nodeName = fc.constantFrom('n1', 'n2', 'n3', 'n4', 'n5', 'node-a', 'node-b');
const ipText = fc.oneof(fc.ipV4(), fc.ipV6());

test('property: given the same view, exactly one live candidate owns each IP', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({ ip: ipText, candidates: fc.array(fc.record({ node: nodeName, weight: fc.integer({ min: 0, max: 3 }) }), { maxLength: 6 }) }),
        { maxLength: 8 },
      ),
      fc.uniqueArray(nodeName),
      (ips, liveList) => {
        const live = new Set<string>(liveList);
        const ownedBy = new Map<string, string[]>();
        for (const self of live) {
          for (const ip of ownedIPs(self, ips, live)) ownedBy.set(ip, [...(ownedBy.get(ip) ?? []), self]);
        }
        for (const { ip, candidates } of mergeSharedIps(ips)) {
          const anyLive = candidates.some((c) => live.has(c.node));
          assert.equal(ownedBy.get(ip)?.length ?? 0, anyLive ? 1 : 0, `${ip}: ${ownedBy.get(ip)}`);
        }
      },
    ),
  );
});

test('property: ownerOf does not depend on candidate order', () => {
  fc.assert(
    fc.property(ipText, fc.array(fc.record({ node: nodeName, weight: fc.integer({ min: 0, max: 2 }) }), { maxLength: 6 }), (ip, list) => {
      assert.equal(ownerOf(ip, list), ownerOf(ip, [...list].reverse()));
    }),
  );
});

test('per-interface liveness: a live node whose announcing interface is down is passed over, self included', () => {
  const ip = '198.51.100.100';
  const all = ['n1', 'n2', 'n3'];
  const candidates = all.map((node) => ({ node, weight: 0 }));
  const best = ownerOf(ip, candidates) ?? '';
  const next = ownerOf(ip, candidates.filter((c) => c.node !== best)) ?? '';
  const live = (self: string) => new Set(all.filter((n) => n !== self));
  const links = new Map<string, { name: string; mac: string; up?: boolean }[]>([[best, [{ name: 'eth0', mac: '02:00:00:00:00:01', up: false }]]]);
  const linksOf = (n: string) => links.get(n);
  const entry = { ip, candidates, interfaces: ['eth0'] };
  assert.deepEqual(ownedIPs(best, [entry], live(best), linksOf), [], 'the owner itself stops claiming');
  assert.deepEqual(ownedIPs(next, [entry], live(next), linksOf), [ip], 'the next node takes over at once');
  // Another interface being down says nothing about eth0; no linksOf keeps the old rule.
  assert.deepEqual(ownedIPs(best, [{ ...entry, interfaces: ['eth1'] }], live(best), linksOf), [ip]);
  assert.deepEqual(ownedIPs(best, [entry], live(best)), [ip]);
  // 'all': down everywhere it reports → out; one link up → in.
  links.set(best, [{ name: 'eth0', mac: '02:00:00:00:00:01', up: false }, { name: 'eth1', mac: '02:00:00:00:00:02' }]);
  assert.deepEqual(ownedIPs(best, [{ ...entry, interfaces: 'all' }], live(best), linksOf), [ip]);
  assert.deepEqual(ownedIPs(best, [entry], live(best), linksOf), []);
});

test('mergeSharedIps unites the interfaces of Services on one IP', () => {
  const ip = '198.51.100.7';
  const c = [{ node: 'n1', weight: 0 }];
  assert.deepEqual(mergeSharedIps([{ ip, candidates: c }, { ip, candidates: c }])[0], { ip, candidates: [...c, ...c] });
  assert.deepEqual(mergeSharedIps([{ ip, candidates: c, interfaces: ['eth1'] }, { ip, candidates: c, interfaces: ['eth0', 'eth1'] }])[0]?.interfaces, ['eth0', 'eth1']);
  assert.equal(mergeSharedIps([{ ip, candidates: c, interfaces: ['eth1'] }, { ip, candidates: c, interfaces: 'all' }])[0]?.interfaces, 'all');
});
