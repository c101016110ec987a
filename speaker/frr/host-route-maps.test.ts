import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GRACEFUL_SHUTDOWN, hasAttributes, mergeAttributes, routeMapLines, routeMapMatches, routeMapName, withGracefulShutdown, type PrefixAttributes } from './host-route-maps.ts';

const c = (hi: number, lo: number) => hi * 0x10000 + lo;
const none: PrefixAttributes = { communities: [], largeCommunities: [], localPref: undefined };
const attrs: PrefixAttributes = {
  communities: [c(64512, 200), c(64512, 100), c(64512, 100)],
  largeCommunities: [{ globalAdmin: 64512, localData1: 2, localData2: 3 }, { globalAdmin: 64512, localData1: 1, localData2: 9 }],
  localPref: 250,
};

test('set lines: canonical (sorted, unique), additive, local-preference; none without attributes', () => {
  assert.deepEqual(routeMapLines(attrs), [
    'set community 64512:100 64512:200 additive',
    'set large-community 64512:1:9 64512:2:3 additive',
    'set local-preference 250',
  ]);
  assert.deepEqual(routeMapLines(none), []);
  assert.equal(hasAttributes(none), false);
  assert.equal(hasAttributes({ ...none, localPref: 0 }), true, 'local-pref 0 (GRACEFUL_SHUTDOWN) is an attribute');
});

test('the name: portside- and a hash of the lines, the same for the same attributes in any order', () => {
  const name = routeMapName(routeMapLines(attrs));
  assert.match(name, /^portside-[0-9a-f]{16}$/);
  const reordered = { ...attrs, communities: [...attrs.communities].reverse(), largeCommunities: [...attrs.largeCommunities].reverse() };
  assert.equal(routeMapName(routeMapLines(reordered)), name);
  assert.notEqual(routeMapName(routeMapLines({ ...attrs, localPref: 251 })), name);
});

test('merged over peers: every community, the highest local-pref; GRACEFUL_SHUTDOWN adds 65535:0 and local-pref 0', () => {
  const merged = mergeAttributes([{ ...none, communities: [c(1, 1)], localPref: 100 }, { ...none, communities: [c(2, 2)], localPref: 300 }, none]);
  assert.deepEqual(merged, { communities: [c(1, 1), c(2, 2)], largeCommunities: [], localPref: 300 });
  assert.deepEqual(mergeAttributes([none, none]), none);
  assert.deepEqual(routeMapLines(withGracefulShutdown(merged)), ['set community 1:1 2:2 65535:0 additive', 'set local-preference 0']);
  assert.equal(GRACEFUL_SHUTDOWN, c(65535, 0));
});

test('FRR\'s spelling of our route-map matches; anything else is rewritten', () => {
  const lines = routeMapLines(withGracefulShutdown({ ...none, communities: [c(64512, 100), 0xffffff01] }));
  assert.deepEqual(lines, ['set community 64512:100 65535:0 65535:65281 additive', 'set local-preference 0']);
  const entry = (l: string[], action: 'permit' | 'deny' = 'permit', seq = 10) => ({ action, seq, lines: l });
  assert.equal(routeMapMatches([entry(['set community 64512:100 graceful-shutdown no-export additive', 'set local-preference 0'])], lines), true);
  assert.equal(routeMapMatches([entry(['set community 64512:100 65535:0 65535:65281 additive', 'set local-preference 0'])], lines), true);
  for (const bad of [
    undefined,
    [],
    [entry(['set community 64512:100 graceful-shutdown no-export', 'set local-preference 0'])],
    [entry(['set community 64512:100 graceful-shutdown no-export additive'])],
    [entry(['set community 64512:100 graceful-shutdown no-export additive', 'set local-preference 0', 'set metric 5'])],
    [entry(['set community 64512:100 graceful-shutdown no-export additive', 'set local-preference 0'], 'deny')],
    [entry(['set community 64512:100 graceful-shutdown no-export additive', 'set local-preference 0'], 'permit', 20)],
    [entry(lines), entry([], 'deny', 20)],
    [entry(['set community 64512:100 bogus no-export additive', 'set local-preference 0'])],
  ]) assert.equal(routeMapMatches(bad, lines), false, JSON.stringify(bad));
  const large = routeMapLines({ ...none, largeCommunities: [{ globalAdmin: 4200000000, localData1: 1, localData2: 2 }] });
  assert.equal(routeMapMatches([entry(['set large-community 4200000000:1:2 additive'])], large), true);
  assert.equal(routeMapMatches([entry(['set large-community 4200000000:1 additive'])], large), false);
});
