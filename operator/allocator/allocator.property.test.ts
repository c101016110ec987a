// Random histories of create/update/delete/adopt/pool change, checked against brute force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type IpAddress, formatIp, rangeContains } from '../../lib/ip/index.ts';
import { matchesAnySelector } from '../../lib/selector/index.ts';
import type { ServiceKnobs } from '../../lib/service/knobs.ts';
import { Allocator } from './allocator.ts';
import { ip, pool, svc } from './fixtures.ts';
import type { AllocatorPool } from './types.ts';

const NS_LABELS: Record<string, Record<string, string>> = { 'ns-a': { team: 'a' }, 'ns-b': { team: 'b' } };
// Disjoint slots per pool name, so pools never overlap however they shrink or grow.
const SLOTS: Record<string, Array<{ start: string; max: number }>> = {
  p1: [{ start: '198.51.100.0', max: 6 }],
  p2: [{ start: '198.51.100.253', max: 4 }, { start: '2001:db8::', max: 5 }],
  p3: [{ start: '2001:db8:1::', max: 3 }, { start: '203.0.113.0', max: 2 }],
  p4: [{ start: '203.0.113.254', max: 3 }],
};
const CANDIDATE_IPS = ['198.51.100.0', '198.51.100.2', '198.51.100.255', '198.51.101.0', '2001:db8::1', '2001:db8:1::', '203.0.113.1', '203.0.113.255', '203.0.113.77'];

function offset(start: string, n: number): string {
  const a = ip(start);
  return formatIp({ family: a.family, value: a.value + BigInt(n) });
}

const poolArb = (name: string) => fc.record({
  present: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
  sizes: fc.tuple(...SLOTS[name]!.map((s) => fc.integer({ min: 0, max: s.max }))),
  autoAssign: fc.boolean(),
  avoidBuggyIPs: fc.boolean(),
  sa: fc.option(fc.record({
    priority: fc.integer({ min: 0, max: 2 }),
    namespaces: fc.subarray(['ns-a', 'ns-b']),
    nsSel: fc.boolean(),
    svcSel: fc.boolean(),
  }), { nil: undefined }),
}).map((p): AllocatorPool | undefined => {
  const ranges = SLOTS[name]!.flatMap((s, i) => (p.sizes[i]! > 0 ? [`${s.start}-${offset(s.start, p.sizes[i]! - 1)}`] : []));
  if (!p.present) return undefined;
  return pool(name, ranges, {
    autoAssign: p.autoAssign, avoidBuggyIPs: p.avoidBuggyIPs,
    serviceAllocation: p.sa && {
      priority: p.sa.priority, namespaces: p.sa.namespaces,
      namespaceSelectors: p.sa.nsSel ? [{ matchLabels: { team: 'b' } }] : [],
      serviceSelectors: p.sa.svcSel ? [{ matchLabels: { tier: 'edge' } }] : [],
    },
  });
});
const poolsArb = fc.tuple(...Object.keys(SLOTS).map(poolArb)).map((ps) => ps.filter((p) => p !== undefined));

const keyArb = fc.constantFrom(...['ns-a', 'ns-b'].flatMap((ns) => [0, 1, 2, 3, 4].map((i) => `${ns}/s${i}`)));
const knobsArb = fc.record({
  key: keyArb,
  edge: fc.boolean(),
  sharingKey: fc.constantFrom(undefined, 'k1', 'k1', 'k2'),
  ports: fc.subarray(['TCP/80', 'TCP/443', 'UDP/53'], { minLength: 1 }),
  local: fc.boolean(),
  backend: fc.constantFrom('app=x', 'app=y'),
  stack: fc.constantFrom<[(4 | 6)[], ServiceKnobs['familyPolicy']]>(
    [[4], 'SingleStack'], [[4], 'SingleStack'], [[6], 'SingleStack'], [[4, 6], 'SingleStack'], [[4, 6], 'PreferDualStack'],
    [[6, 4], 'PreferDualStack'], [[4, 6], 'RequireDualStack'], [[6, 4], 'RequireDualStack'], [[4], 'PreferDualStack'],
  ),
  poolName: fc.constantFrom(undefined, undefined, undefined, undefined, undefined, undefined, 'p1', 'p2', 'p3', 'p4', 'nope'),
  requested: fc.oneof(
    { weight: 6, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.subarray(CANDIDATE_IPS, { minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...CANDIDATE_IPS.filter((x) => !x.includes(':'))), fc.constantFrom(...CANDIDATE_IPS.filter((x) => x.includes(':')))) },
  ),
}).map((k) => svc(k.key, {
  labels: k.edge ? { tier: 'edge' } : {}, sharingKey: k.sharingKey, ports: k.ports,
  externalTrafficPolicy: k.local ? 'Local' : 'Cluster', backendKey: k.backend,
  families: k.stack[0], familyPolicy: k.stack[1], poolName: k.poolName, requested: k.requested,
}));

type Op =
  | { op: 'assign'; knobs: ServiceKnobs }
  | { op: 'reassign'; key: string }
  | { op: 'release'; key: string }
  | { op: 'adopt'; knobs: ServiceKnobs; ips: string[] }
  | { op: 'pools'; pools: AllocatorPool[] };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: knobsArb.map((knobs) => ({ op: 'assign' as const, knobs })) },
  { weight: 2, arbitrary: keyArb.map((key) => ({ op: 'reassign' as const, key })) },
  { weight: 2, arbitrary: keyArb.map((key) => ({ op: 'release' as const, key })) },
  { weight: 1, arbitrary: fc.record({ knobs: knobsArb, ips: fc.subarray(CANDIDATE_IPS, { maxLength: 2 }) }).map((r) => ({ op: 'adopt' as const, ...r })) },
  { weight: 1, arbitrary: poolsArb.map((pools) => ({ op: 'pools' as const, pools })) },
);

const show = (ips: readonly IpAddress[]) => ips.map(formatIp).join(',');
const buggy = (a: IpAddress) => a.family === 4 && ((a.value & 0xffn) === 0n || (a.value & 0xffn) === 255n);
const portSet = (k: ServiceKnobs) => k.ports.map((p) => `${p.protocol}/${p.port}`);

function admits(p: AllocatorPool, k: ServiceKnobs): boolean {
  const sa = p.serviceAllocation;
  if (!sa) return true;
  const nsLimited = sa.namespaces.length > 0 || sa.namespaceSelectors.length > 0;
  if (nsLimited && !sa.namespaces.includes(k.namespace) && !matchesAnySelector(sa.namespaceSelectors, NS_LABELS[k.namespace])) return false;
  return sa.serviceSelectors.length === 0 || matchesAnySelector(sa.serviceSelectors, k.labels);
}

function mayShare(a: ServiceKnobs, b: ServiceKnobs): boolean {
  if (a.sharingKey === undefined || a.sharingKey !== b.sharingKey) return false;
  if ((a.externalTrafficPolicy === 'Local' || b.externalTrafficPolicy === 'Local') && a.backendKey !== b.backendKey) return false;
  return !portSet(a).some((p) => portSet(b).includes(p));
}

/** Runs the ops; checks every invariant by brute force after each; returns a transcript. */
function run(ops: readonly Op[], initial: AllocatorPool[]): string[] {
  const a = new Allocator({ namespaceLabels: (ns) => NS_LABELS[ns] });
  let pools = initial;
  a.setPools(pools);
  const knobsOf = new Map<string, ServiceKnobs>();
  const stable = new Map<string, string>(); // key → IPs that re-assigning the same knobs must keep
  const partial = new Set<string>(); // last changed by adopt() or a pool change, not by assign()
  const transcript: string[] = [];
  for (const o of ops) {
    partial.delete('key' in o ? o.key : o.op === 'pools' ? '' : o.knobs.key);
    if (o.op === 'assign' || (o.op === 'reassign' && knobsOf.has(o.key))) {
      const knobs = o.op === 'assign' ? o.knobs : knobsOf.get(o.key)!;
      const r = a.assign(knobs);
      if (o.op === 'reassign' && stable.has(knobs.key)) {
        assert.ok(r.ok && !r.changed && show(r.ips) === stable.get(knobs.key), `re-assign moved ${knobs.key}`);
      }
      transcript.push(r.ok ? `${knobs.key}=${show(r.ips)}@${r.pool}` : `${knobs.key}:${r.reason.reason}`);
      if (r.ok) knobsOf.set(knobs.key, knobs); else knobsOf.delete(knobs.key);
      const full = r.ok && r.ips.length === (knobs.familyPolicy === 'SingleStack' ? 1 : new Set(knobs.families).size);
      if (full) stable.set(knobs.key, show(r.ips)); else stable.delete(knobs.key);
    } else if (o.op === 'release') {
      a.release(o.key);
      knobsOf.delete(o.key);
      stable.delete(o.key);
    } else if (o.op === 'adopt') {
      const r = a.adopt(o.knobs, o.ips.map(ip));
      transcript.push(r.ok ? `adopt ${o.knobs.key}=${show(r.ips)}` : `adopt ${o.knobs.key}:${r.reason.reason}`);
      if (r.ok) knobsOf.set(o.knobs.key, o.knobs); else knobsOf.delete(o.knobs.key);
      if (r.ok) partial.add(o.knobs.key);
      stable.delete(o.knobs.key);
    } else if (o.op === 'pools') {
      pools = o.pools;
      const { toClear } = a.setPools(pools);
      transcript.push(`pools clear ${toClear.join(',')}`);
      for (const k of toClear) {
        stable.delete(k);
        partial.add(k);
        if (!a.assignmentOf(k)) knobsOf.delete(k);
      }
    }
    check(a, pools, knobsOf, partial);
  }
  return transcript;
}

function check(a: Allocator, pools: readonly AllocatorPool[], knobsOf: Map<string, ServiceKnobs>, partial: Set<string>): void {
  assert.deepEqual(a.services(), [...knobsOf.keys()].sort(), 'held Services = the model');
  const onIp = new Map<string, ServiceKnobs[]>();
  for (const [key, k] of knobsOf) {
    const as = a.assignmentOf(key)!;
    const p = pools.find((x) => x.name === as.pool);
    assert.ok(p, `${key} is in a pool that exists`);
    assert.ok(admits(p, k), `${key}: pool ${p.name} admits it`);
    if (k.poolName !== undefined) assert.equal(as.pool, k.poolName);
    // adopt() and pool changes may leave part of the requested IPs (the next assign() completes them).
    if (k.requestedIPs.length > 0) {
      assert.ok(as.ips.every((x) => k.requestedIPs.some((r) => r.family === x.family && r.value === x.value)), `${key} holds only requested IPs`);
      if (!partial.has(key)) assert.equal(as.ips.length, k.requestedIPs.length, `${key} holds every requested IP`);
    }
    assert.equal(new Set(as.ips.map((x) => x.family)).size, as.ips.length, 'one IP per family');
    for (const x of as.ips) {
      assert.ok(k.families.includes(x.family));
      assert.ok(p.ranges.some((r) => rangeContains(r, x)) && !(p.avoidBuggyIPs && buggy(x)), `${formatIp(x)} inside pool ${p.name}`);
      onIp.set(formatIp(x), [...(onIp.get(formatIp(x)) ?? []), k]);
    }
  }
  for (const [addr, holders] of onIp) {
    for (let i = 0; i < holders.length; i++) {
      for (let j = i + 1; j < holders.length; j++) {
        assert.ok(mayShare(holders[i]!, holders[j]!), `${addr} shared illegally by ${holders[i]!.key} and ${holders[j]!.key}`);
      }
    }
  }
  for (const p of pools) {
    const held = [...onIp.keys()].map(ip).filter((x) => p.ranges.some((r) => rangeContains(r, x)));
    let usable4 = 0n, usable6 = 0n;
    for (const r of p.ranges) {
      for (let v = r.first; v <= r.last; v++) {
        if (p.avoidBuggyIPs && buggy({ family: r.family, value: v })) continue;
        if (r.family === 4) usable4++; else usable6++;
      }
    }
    const used4 = BigInt(held.filter((x) => x.family === 4).length);
    const used6 = BigInt(held.filter((x) => x.family === 6).length);
    assert.deepEqual(a.poolStats(p.name), { assignedIPv4: used4, assignedIPv6: used6, availableIPv4: usable4 - used4, availableIPv6: usable6 - used6 });
    assert.deepEqual(a.servicesInPool(p.name), [...knobsOf.keys()].filter((k) => a.assignmentOf(k)!.pool === p.name).sort());
  }
}

test('random histories: no illegal sharing, nothing outside pool or limits, exact counters, no moves, deterministic', () => {
  fc.assert(fc.property(poolsArb, fc.array(opArb, { maxLength: 60 }), (initial, ops) => {
    const first = run(ops, initial);
    assert.deepEqual(run(ops, initial), first, 'same inputs, same results');
  }), { numRuns: 500 });
});
