import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { outranks, settleClaims, type PeerClaims } from './conflict.ts';
import { rankCandidates } from './ownership.ts';

const ip = '198.51.100.100';
const candidates = ['n1', 'n2', 'n3'].map((node) => ({ node, weight: 0 }));
const [first, second, third] = rankCandidates(ip, candidates).map((c) => c.node) as [string, string, string];
const settle = (self: string, answering: string[], claims: PeerClaims) =>
  settleClaims({ self, owned: [ip], answering: new Set(answering), claims, candidatesOf: () => candidates });

test('an IP nobody else claims is answered', () => {
  assert.deepEqual(settle(second, [], new Map([[first, new Set()], [third, new Set(['198.51.100.7'])]])), { answer: [ip], yielded: [], waiting: [] });
});

test('a newly owned IP is not taken while a heard peer still answers it, whatever the ranks', () => {
  assert.deepEqual(settle(first, [], new Map([[second, new Set([ip])]])), { answer: [], yielded: [], waiting: [{ ip, on: [second] }] });
  assert.deepEqual(settle(third, [], new Map([[first, new Set([ip])]])).waiting, [{ ip, on: [first] }]);
});

test('two answering: the lower-ranked yields, the higher keeps it (both sides agree)', () => {
  assert.deepEqual(settle(second, [ip], new Map([[first, new Set([ip])]])), { answer: [], yielded: [{ ip, to: first }], waiting: [] });
  assert.deepEqual(settle(first, [ip], new Map([[second, new Set([ip])]])), { answer: [ip], yielded: [], waiting: [] });
  fc.assert(
    fc.property(fc.ipV4(), fc.uniqueArray(fc.stringMatching(/^n[0-9]{1,3}$/), { minLength: 2, maxLength: 6 }), (addr, nodes) => {
      const cands = nodes.map((node) => ({ node, weight: 0 }));
      const [a, b] = nodes as [string, string];
      const s = (self: string, other: string) =>
        settleClaims({ self, owned: [addr], answering: new Set([addr]), claims: new Map([[other, new Set([addr])]]), candidatesOf: () => cands }).answer.length;
      assert.equal(s(a, b) + s(b, a), 1, 'exactly one keeps answering');
    }),
  );
});

test('weights rank first; a claimant missing from our candidates ranks by hash at weight 0', () => {
  const weighted = candidates.map((c) => (c.node === third ? { ...c, weight: 10 } : c));
  assert.equal(outranks(ip, third, first, weighted), true);
  assert.equal(outranks(ip, first, third, weighted), false);
  const stranger = 'n9';
  assert.equal(outranks(ip, stranger, first, candidates) !== outranks(ip, first, stranger, candidates), true);
});

test('claims of a node about itself are ignored', () => {
  assert.deepEqual(settle(first, [ip], new Map([[first, new Set([ip])]])).answer, [ip]);
});
