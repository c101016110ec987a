import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClaimOutcome, nodeByMac, resolveClaim } from './conflict.ts';
import { rankCandidates } from './ownership.ts';

const ip = '198.51.100.100';
const candidates = ['n1', 'n2', 'n3'].map((node) => ({ node, weight: 0 }));
const [first = '', second = '', third = ''] = rankCandidates(ip, candidates).map((c) => c.node);

test('a lower-ranked node yields to a higher-ranked claimant', () => {
  assert.equal(resolveClaim({ ip, self: second, claimant: first, candidates }), ClaimOutcome.Yield);
  assert.equal(resolveClaim({ ip, self: third, claimant: first, candidates }), ClaimOutcome.Yield);
  assert.equal(resolveClaim({ ip, self: third, claimant: second, candidates }), ClaimOutcome.Yield);
});

test('the higher-ranked node reasserts, so exactly one of a pair keeps the IP', () => {
  for (const [a, b] of [[first, second], [first, third], [second, third]] as const) {
    const outcomes = [resolveClaim({ ip, self: a, claimant: b, candidates }), resolveClaim({ ip, self: b, claimant: a, candidates })];
    assert.deepEqual(outcomes, [ClaimOutcome.Reassert, ClaimOutcome.Yield]);
  }
});

test('weights decide before the hash, as in ownership', () => {
  const weighted = candidates.map((c) => (c.node === third ? { ...c, weight: 5 } : c));
  assert.equal(resolveClaim({ ip, self: first, claimant: third, candidates: weighted }), ClaimOutcome.Yield);
});

test('strangers and non-candidates never make a speaker yield', () => {
  assert.equal(resolveClaim({ ip, self: second, claimant: undefined, candidates }), ClaimOutcome.Reassert);
  assert.equal(resolveClaim({ ip, self: second, claimant: 'n9', candidates }), ClaimOutcome.Reassert);
  assert.equal(resolveClaim({ ip, self: second, claimant: second, candidates }), ClaimOutcome.Reassert);
});

test('a node that is not a candidate itself yields to any candidate', () => {
  assert.equal(resolveClaim({ ip, self: 'n9', claimant: third, candidates }), ClaimOutcome.Yield);
});

test('nodeByMac finds the peer advertising a MAC, case-insensitively', () => {
  const links = new Map([
    ['n1', [{ mac: '02:00:00:00:00:01' }]],
    ['n2', [{ mac: '02:00:00:00:00:02' }, { mac: '02:00:00:00:01:02' }]],
  ]);
  assert.equal(nodeByMac(links, '02:00:00:00:01:02'), 'n2');
  assert.equal(nodeByMac(links, '02:00:00:00:00:0A'), undefined);
  assert.equal(nodeByMac(links, '02:00:00:00:00:01'.toUpperCase()), 'n1');
});
