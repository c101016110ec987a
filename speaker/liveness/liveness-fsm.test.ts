import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Heartbeat } from './heartbeat.ts';
import { freshClaims, heardPeers, partlyKnownPeers, leftNodes, liveNodes, nextDeadline, onHeartbeat, onTick, readyNodes, watchPeers, type LivenessConfig, type LivenessState } from './liveness-fsm.ts';

const cfg: LivenessConfig = { timeoutMs: 400, riseCount: 3, maxClockSkewMs: 5_000 };
const T0 = 1_700_000_000_000;

/** A peer sending every 100 ms, driven by an injected clock. */
function sender(node: string, incarnation = 'inc-1') {
  let seq = 0;
  return (now: number, over: Partial<Heartbeat> = {}): Heartbeat => ({ node, incarnation, seq: seq++, sentAt: now, links: [], ...over });
}

function feed(state: LivenessState, hb: Heartbeat, now: number) {
  return onHeartbeat(state, hb, now, cfg);
}

test('first valid heartbeat makes a peer alive; silence beyond the timeout makes it dead', () => {
  const a = sender('a');
  let state = watchPeers(new Map(), ['a', 'b']);
  assert.deepEqual(liveNodes(state), new Set());
  let step = feed(state, a(T0), T0);
  assert.deepEqual(step.transitions, [{ node: 'a', to: 'alive' }]);
  state = step.state;
  for (let t = T0 + 100; t <= T0 + 300; t += 100) state = feed(state, a(t), t).state;
  assert.deepEqual(onTick(state, T0 + 700, cfg).transitions, []);
  assert.equal(nextDeadline(state, cfg), T0 + 701);
  step = onTick(state, T0 + 701, cfg);
  assert.deepEqual(step.transitions, [{ node: 'a', to: 'dead' }]);
  assert.deepEqual(liveNodes(step.state), new Set());
  assert.deepEqual(onTick(step.state, T0 + 2000, cfg).transitions, [], 'dead is reported once');
});

test('a dead peer is alive again only after riseCount heartbeats in a row', () => {
  const a = sender('a');
  let state = feed(watchPeers(new Map(), ['a']), a(T0), T0).state;
  state = onTick(state, T0 + 500, cfg).state;
  const t1 = T0 + 1000;
  let step = feed(state, a(t1), t1);
  assert.deepEqual(step.transitions, []);
  // A gap longer than the timeout restarts the count.
  step = feed(step.state, a(t1 + 500), t1 + 500);
  step = feed(step.state, a(t1 + 600), t1 + 600);
  assert.deepEqual(step.transitions, []);
  step = feed(step.state, a(t1 + 700), t1 + 700);
  assert.deepEqual(step.transitions, [{ node: 'a', to: 'alive' }]);
});

test('replays: same or older sequence, old timestamps and old incarnations are refused', () => {
  const a = sender('a');
  const first = a(T0);
  let state = feed(watchPeers(new Map(), ['a']), first, T0).state;
  assert.equal(feed(state, first, T0 + 50).rejected, 'replayed');
  const second = a(T0 + 100);
  state = feed(state, second, T0 + 100).state;
  assert.equal(feed(state, { ...second, seq: second.seq - 1 }, T0 + 150).rejected, 'replayed');
  assert.equal(feed(state, a(T0 - 10_000), T0 + 200).rejected, 'stale-timestamp');
  assert.equal(feed(state, a(T0 + 10_000), T0 + 200).rejected, 'stale-timestamp');
  // A restart: new incarnation, sequence from 0, newer timestamp → accepted.
  const restarted = sender('a', 'inc-2');
  state = feed(state, restarted(T0 + 300), T0 + 300).state;
  assert.equal(state.get('a')?.incarnation, 'inc-2');
  // The previous incarnation's traffic, replayed inside the window, is older.
  assert.equal(feed(state, { ...second, seq: 99 }, T0 + 350).rejected, 'old-incarnation');
  assert.equal(feed(state, first, T0 + 350).rejected, 'old-incarnation');
});

test('heartbeats from nodes we do not watch are refused', () => {
  const state = watchPeers(new Map(), ['a']);
  assert.equal(feed(state, sender('stranger')(T0), T0).rejected, 'unknown-node');
});

test('watchPeers keeps known peers and forgets unwatched ones', () => {
  let state = feed(watchPeers(new Map(), ['a', 'b']), sender('a')(T0), T0).state;
  state = watchPeers(state, ['a', 'c']);
  assert.deepEqual([...state.keys()], ['a', 'c']);
  assert.equal(state.get('a')?.status, 'alive');
  assert.equal(state.get('c')?.status, 'unknown');
});

test('links from the newest heartbeat are kept (MACs for conflict checks)', () => {
  const a = sender('a');
  const links = [{ name: 'eth0', mac: '02:00:00:00:00:0a' }];
  const state = feed(watchPeers(new Map(), ['a']), a(T0, { links }), T0).state;
  assert.deepEqual(state.get('a')?.links, links);
});

test('a peer heard only in parts, never whole, is partly known until its first whole set arrives', () => {
  const a = sender('a');
  let state = watchPeers(new Map(), ['a']);
  const part = (version: string, index: number, count: number, claims: string[], t: number) => a(t, { claims, claimsPart: { version, index, count } });
  // Heard mid-burst (we just started, or it did): part 0 of 2 is all we know of what it answers.
  state = feed(state, part('v1', 0, 2, ['203.0.113.1'], T0), T0).state;
  assert.deepEqual(heardPeers(state, T0, cfg), new Set(['a']));
  assert.deepEqual(partlyKnownPeers(state, T0, cfg), new Set(['a']), 'what part 1 lists may be answered too');
  state = feed(state, part('v1', 1, 2, ['203.0.113.9'], T0 + 1), T0 + 1).state;
  assert.deepEqual(partlyKnownPeers(state, T0 + 1, cfg), new Set());
  assert.deepEqual(freshClaims(state, T0 + 1, cfg).get('a'), new Set(['203.0.113.1', '203.0.113.9']));
  // A newer set in parts after a whole one is not "partly known": the whole one plus the parts count.
  state = feed(state, part('v2', 0, 2, ['203.0.113.2'], T0 + 10), T0 + 10).state;
  assert.deepEqual(partlyKnownPeers(state, T0 + 10, cfg), new Set());
  // A restart (new incarnation) forgets what the old one claimed: partly known again.
  const restarted = sender('a', 'inc-2');
  state = feed(state, restarted(T0 + 20, { claims: ['203.0.113.3'], claimsPart: { version: 'w1', index: 1, count: 2 } }), T0 + 20).state;
  assert.deepEqual(partlyKnownPeers(state, T0 + 20, cfg), new Set(['a']));
});

test('claims in parts: a set replaces the known one only when whole; meanwhile every part seen counts too', () => {
  const a = sender('a');
  let state = watchPeers(new Map(), ['a']);
  state = feed(state, a(T0, { claims: ['203.0.113.1', '203.0.113.2'] }), T0).state;
  const part = (version: string, index: number, count: number, claims: string[], t: number) => a(t, { claims, claimsPart: { version, index, count } });
  // The new set no longer has .1 and adds .3 and .4: .1 stays claimed until the set is whole.
  state = feed(state, part('v2', 0, 2, ['203.0.113.3'], T0 + 10), T0 + 10).state;
  assert.deepEqual(freshClaims(state, T0 + 10, cfg).get('a'), new Set(['203.0.113.1', '203.0.113.2', '203.0.113.3']));
  state = feed(state, part('v2', 1, 2, ['203.0.113.2', '203.0.113.4'], T0 + 11), T0 + 11).state;
  assert.deepEqual(freshClaims(state, T0 + 11, cfg).get('a'), new Set(['203.0.113.2', '203.0.113.3', '203.0.113.4']), 'whole: .1 released');
  // The same set again changes nothing; a newer one interrupted keeps the union of what was seen.
  state = feed(state, part('v2', 0, 2, ['203.0.113.3'], T0 + 100), T0 + 100).state;
  assert.deepEqual(freshClaims(state, T0 + 100, cfg).get('a'), new Set(['203.0.113.2', '203.0.113.3', '203.0.113.4']));
  state = feed(state, part('v3', 0, 3, ['203.0.113.5'], T0 + 200), T0 + 200).state;
  state = feed(state, part('v4', 1, 2, ['203.0.113.6'], T0 + 201), T0 + 201).state;
  assert.deepEqual(freshClaims(state, T0 + 201, cfg).get('a'), new Set(['203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5', '203.0.113.6']), 'parts of an unfinished set are never forgotten before a whole one');
  state = feed(state, part('v4', 0, 2, [], T0 + 202), T0 + 202).state;
  assert.deepEqual(freshClaims(state, T0 + 202, cfg).get('a'), new Set(['203.0.113.6']));
  // A whole set in one heartbeat replaces everything at once.
  state = feed(state, a(T0 + 300, { claims: [] }), T0 + 300).state;
  assert.deepEqual(freshClaims(state, T0 + 300, cfg).get('a'), new Set());
});

test('an alive peer past its deadline by the clock is still heard, its claims still count, until the check declares it dead', () => {
  const a = sender('a');
  let state = watchPeers(new Map(), ['a']);
  state = feed(state, a(T0, { claims: ['203.0.113.7'] }), T0).state;
  // Our own process stalled: its next heartbeats wait unread; by the clock it is silent.
  const late = T0 + cfg.timeoutMs + 200;
  assert.deepEqual(heardPeers(state, late, cfg), new Set(['a']));
  assert.deepEqual(freshClaims(state, late, cfg).get('a'), new Set(['203.0.113.7']), 'its IP is not free on the clock alone');
  const step = onTick(state, late, cfg);
  assert.deepEqual(step.transitions, [{ node: 'a', to: 'dead' }]);
  assert.deepEqual(heardPeers(step.state, late, cfg), new Set(), 'declared dead and silent: its claims are void');
  assert.deepEqual(freshClaims(step.state, late, cfg), new Map());
  // Dead and rising again: heard (its claims are fresh) within the timeout of its heartbeat only.
  state = feed(step.state, a(late + 10, { claims: ['203.0.113.7'] }), late + 10).state;
  assert.equal(state.get('a')?.status, 'dead');
  assert.deepEqual(freshClaims(state, late + 10, cfg).get('a'), new Set(['203.0.113.7']));
  assert.deepEqual(heardPeers(state, late + 11 + cfg.timeoutMs, cfg), new Set());
});

test('a peer that says it is starting is alive but not ready; its first ready heartbeat makes it ready', () => {
  const a = sender('a');
  const b = sender('b');
  let state = watchPeers(new Map(), ['a', 'b']);
  state = feed(state, a(T0, { phase: 'starting', claims: [] }), T0).state;
  state = feed(state, b(T0), T0).state; // an older speaker never says: ready
  assert.deepEqual(liveNodes(state), new Set(['a', 'b']));
  assert.deepEqual(readyNodes(state), new Set(['b']));
  const step = feed(state, a(T0 + 100, { claims: [] }), T0 + 100);
  assert.deepEqual(step.transitions, [], 'ready is no liveness transition');
  assert.deepEqual(readyNodes(step.state), new Set(['a', 'b']));
});

test('a leaving heartbeat makes a live peer dead at once (left), claiming nothing; a new incarnation rises as usual', () => {
  const a = sender('a');
  let state = watchPeers(new Map(), ['a']);
  state = feed(state, a(T0, { claims: ['198.51.100.1'] }), T0).state;
  let step = feed(state, a(T0 + 50, { phase: 'leaving', claims: [] }), T0 + 50);
  assert.deepEqual(step.transitions, [{ node: 'a', to: 'dead', left: true }]);
  state = step.state;
  assert.deepEqual(liveNodes(state), new Set());
  assert.deepEqual(leftNodes(state), new Set(['a']));
  assert.deepEqual(heardPeers(state, T0 + 60, cfg), new Set(), 'a leaving peer is not heard: its claims are void');
  assert.deepEqual(freshClaims(state, T0 + 60, cfg), new Map());
  assert.deepEqual(onTick(state, T0 + 1_000, cfg).transitions, [], 'no second death at the timeout');
  assert.equal(feed(state, a(T0 + 60, { phase: 'leaving', claims: [] }), T0 + 60).transitions.length, 0, 'the second copy changes nothing');
  const again = sender('a', 'inc-2');
  for (let i = 0; i < cfg.riseCount; i++) {
    const t = T0 + 200 + i * 100;
    step = feed(state, again(t, { phase: 'starting' }), t);
    state = step.state;
    assert.deepEqual(step.transitions, i === cfg.riseCount - 1 ? [{ node: 'a', to: 'alive' }] : []);
  }
  assert.deepEqual(leftNodes(state), new Set());
  assert.deepEqual(readyNodes(state), new Set(), 'alive again, still starting');
});

test('a leaving heartbeat replayed from an older incarnation is refused', () => {
  const old = sender('a', 'inc-1');
  const leaving = old(T0, { phase: 'leaving' });
  const now = sender('a', 'inc-2');
  const state = feed(watchPeers(new Map(), ['a']), now(T0 + 100), T0 + 100).state;
  assert.equal(feed(state, leaving, T0 + 150).rejected, 'old-incarnation');
});
