import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LinksOf } from '../l2/link-state.ts';
import { rankCandidates } from '../l2/ownership.ts';
import type { HeartbeatLink } from '../liveness/heartbeat.ts';
import { SkipReason, type L2Plan, type NodePlan } from '../planner/index.ts';
import { announcedIp, withLinkState } from './link-ownership.ts';

const IP = '203.0.113.10';
const candidates = [{ node: 'n1', weight: 0 }, { node: 'n2', weight: 0 }, { node: 'n3', weight: 0 }];
const [first, second, third] = rankCandidates(IP, candidates).map((c) => c.node) as [string, string, string];
const DOWN: HeartbeatLink[] = [{ name: 'eth0', mac: '02:00:00:00:00:01', up: false }, { name: 'eth1', mac: '02:00:00:00:00:02' }];
const UP: HeartbeatLink[] = [{ name: 'eth0', mac: '02:00:00:00:00:03' }];

/** The planner's view (liveness only) from `self`: the best-ranked candidate owns the IP. */
function planFor(self: string, interfaces: string[] = ['eth0']): NodePlan {
  const entry: L2Plan = { ip: IP, services: ['default/web'], interfaces, candidates, owner: first };
  return {
    bgp: new Map(),
    bgpServices: new Map(),
    l2: [entry],
    l2Owned: self === first ? [entry] : [],
    skipped: self === first ? [] : [{ service: 'default/web', ip: IP, protocol: 'l2', reason: SkipReason.NotOwner }],
  };
}

const linksBy = (links: Record<string, HeartbeatLink[]>): LinksOf => (node) => links[node];
const everyone = new Set([first, second, third]);

test('announcedIp: named interfaces are kept, the plan\'s [] means "all"', () => {
  assert.deepEqual(announcedIp(planFor(first).l2[0]!), { ip: IP, candidates, interfaces: ['eth0'] });
  assert.equal(announcedIp(planFor(first, []).l2[0]!).interfaces, 'all');
});

test('no mesh or no links: the plan is kept as it is', () => {
  const plan = planFor(first);
  assert.equal(withLinkState(plan, first, undefined, linksBy({ [first]: DOWN })), plan);
  assert.equal(withLinkState(plan, first, everyone, undefined), plan);
});

test('self owns the IP but its announcing interface is down: the next live node owns it', () => {
  const out = withLinkState(planFor(first), first, everyone, linksBy({ [first]: DOWN }));
  assert.equal(out.l2[0]?.owner, second);
  assert.deepEqual(out.l2Owned, []);
  assert.deepEqual(out.skipped, [{ service: 'default/web', ip: IP, protocol: 'l2', reason: SkipReason.NotOwner }]);
});

test('the owner\'s heartbeat marks the interface down: the next node takes the IP without a timeout', () => {
  const out = withLinkState(planFor(second), second, everyone, linksBy({ [first]: DOWN, [second]: UP }));
  assert.equal(out.l2[0]?.owner, second);
  assert.deepEqual(out.l2Owned.map((p) => p.ip), [IP]);
  assert.deepEqual(out.skipped, []);
  // A third node sees the same owner.
  assert.equal(withLinkState(planFor(third), third, everyone, linksBy({ [first]: DOWN })).l2[0]?.owner, second);
});

test('a down interface the IP is not announced on, or a node that reports no links, changes nothing', () => {
  const onEth1 = withLinkState(planFor(second, ['eth1']), second, everyone, linksBy({ [first]: DOWN }));
  assert.equal(onEth1.l2[0]?.owner, first);
  assert.deepEqual(onEth1.l2Owned, []);
  const silent = withLinkState(planFor(second), second, everyone, linksBy({}));
  assert.equal(silent.l2[0]?.owner, first);
});

test('"all" interfaces: down only when every reported interface is down', () => {
  const allDown: HeartbeatLink[] = DOWN.map((l) => ({ ...l, up: false }));
  assert.equal(withLinkState(planFor(second, []), second, everyone, linksBy({ [first]: DOWN })).l2[0]?.owner, first);
  assert.equal(withLinkState(planFor(second, []), second, everyone, linksBy({ [first]: allDown })).l2[0]?.owner, second);
});

test('a dead node is no owner even if its links were up', () => {
  const out = withLinkState(planFor(second), second, new Set([third]), linksBy({ [first]: UP }));
  assert.equal(out.l2[0]?.owner, second);
});
