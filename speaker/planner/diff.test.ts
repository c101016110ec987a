import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnnouncedRoute } from '../bgp/index.ts';
import { formatCidr, mustParseCidr } from '../../lib/ip/index.ts';
import { diffRoutes } from './diff.ts';

const route = (prefix: string, extra: Omit<AnnouncedRoute, 'prefix'> = {}): AnnouncedRoute => ({ prefix: mustParseCidr(prefix), ...extra });

interface Case { name: string; prev: AnnouncedRoute[]; next: AnnouncedRoute[]; announce: string[]; withdraw: string[] }

const cases: Case[] = [
  { name: 'same set: nothing', prev: [route('198.51.100.1/32'), route('2001:db8::1/128')], next: [route('2001:db8::1/128'), route('198.51.100.1/32')], announce: [], withdraw: [] },
  { name: 'new prefix only', prev: [route('198.51.100.1/32')], next: [route('198.51.100.1/32'), route('198.51.100.2/32')], announce: ['198.51.100.2/32'], withdraw: [] },
  { name: 'removed prefix only', prev: [route('198.51.100.1/32'), route('203.0.113.0/24')], next: [route('198.51.100.1/32')], announce: [], withdraw: ['203.0.113.0/24'] },
  { name: 'everything removed', prev: [route('198.51.100.1/32'), route('2001:db8::/64')], next: [], announce: [], withdraw: ['198.51.100.1/32', '2001:db8::/64'] },
  {
    name: 'changed communities re-announce that prefix only',
    prev: [route('198.51.100.1/32', { communities: [1] }), route('198.51.100.2/32')],
    next: [route('198.51.100.1/32', { communities: [1, 2] }), route('198.51.100.2/32')],
    announce: ['198.51.100.1/32'], withdraw: [],
  },
  {
    name: 'community order is not a change',
    prev: [route('198.51.100.1/32', { communities: [2, 1], largeCommunities: [{ globalAdmin: 64512, localData1: 2, localData2: 0 }, { globalAdmin: 64512, localData1: 1, localData2: 0 }] })],
    next: [route('198.51.100.1/32', { communities: [1, 2], largeCommunities: [{ globalAdmin: 64512, localData1: 1, localData2: 0 }, { globalAdmin: 64512, localData1: 2, localData2: 0 }] })],
    announce: [], withdraw: [],
  },
  { name: 'localPref change', prev: [route('198.51.100.1/32', { localPref: 100 })], next: [route('198.51.100.1/32', { localPref: 200 })], announce: ['198.51.100.1/32'], withdraw: [] },
  { name: 'localPref removed', prev: [route('198.51.100.1/32', { localPref: 100 })], next: [route('198.51.100.1/32')], announce: ['198.51.100.1/32'], withdraw: [] },
  { name: 'large community added', prev: [route('2001:db8::1/128')], next: [route('2001:db8::1/128', { largeCommunities: [{ globalAdmin: 64512, localData1: 1, localData2: 1 }] })], announce: ['2001:db8::1/128'], withdraw: [] },
  {
    name: 'aggregation change: new aggregate announced, host routes withdrawn',
    prev: [route('198.51.100.1/32'), route('198.51.100.2/32')], next: [route('198.51.100.0/24')],
    announce: ['198.51.100.0/24'], withdraw: ['198.51.100.1/32', '198.51.100.2/32'],
  },
];

describe('diffRoutes', () => {
  for (const c of cases) {
    it(c.name, () => {
      const d = diffRoutes(structuredClone(c.prev), structuredClone(c.next));
      assert.deepEqual(d.announce.map((r) => formatCidr(r.prefix)), c.announce);
      assert.deepEqual(d.withdraw.map(formatCidr), c.withdraw);
    });
  }

  it('announces the next route object itself, with its attributes', () => {
    const next = [route('198.51.100.1/32', { communities: [7], localPref: 150 })];
    assert.deepEqual(diffRoutes([], next).announce, next);
  });
});
