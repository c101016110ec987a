import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canAnnounceOn, liveOnInterfaces } from './link-state.ts';

const up = (name: string) => ({ name, mac: '02:00:00:00:00:01' });
const down = (name: string) => ({ name, mac: '02:00:00:00:00:01', up: false });

test('canAnnounceOn: unknown is allowed, all named links down is not', () => {
  assert.equal(canAnnounceOn(undefined, ['eth0']), true);
  assert.equal(canAnnounceOn([], ['eth0']), true);
  assert.equal(canAnnounceOn([up('eth0')], ['eth0']), true);
  assert.equal(canAnnounceOn([down('eth0')], ['eth0']), false);
  assert.equal(canAnnounceOn([down('eth0'), up('eth1')], ['eth0', 'eth1']), true);
  assert.equal(canAnnounceOn([down('eth0')], ['eth1']), true);
  assert.equal(canAnnounceOn([down('eth0'), down('eth1')], 'all'), false);
  assert.equal(canAnnounceOn([down('eth0'), up('eth1')], 'all'), true);
  assert.equal(canAnnounceOn([down('eth0')], []), false, "an empty list means 'all'");
});

test('liveOnInterfaces counts self and filters by reported links', () => {
  const links = new Map([['b', [down('eth0')]], ['self', [up('eth0')]]]);
  assert.deepEqual(liveOnInterfaces('self', new Set(['a', 'b']), ['eth0'], (n) => links.get(n)), new Set(['self', 'a']));
});
