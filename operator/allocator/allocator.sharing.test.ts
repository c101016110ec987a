// Sharing one IP: same key, same backends when any is Local, disjoint protocol+port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator } from './allocator.ts';
import { failure, okIps, pool, svc } from './fixtures.ts';
import type { SvcOptions } from './fixtures.ts';

function withFirst(first: SvcOptions): Allocator {
  const a = new Allocator();
  a.setPools([pool('p', ['203.0.113.0/29'])]);
  assert.deepEqual(okIps(a.assign(svc('default/web', { requested: ['203.0.113.5'], ...first }))), ['203.0.113.5']);
  return a;
}

test('sharing rules for a requested IP (table)', () => {
  const k = { sharingKey: 'k' };
  const cases: Array<[string, SvcOptions, SvcOptions, 'ok' | 'RequestedIPInUse' | 'SharingRefused', RegExp?]> = [
    ['same key, other port', { ...k }, { ...k, ports: ['TCP/443'] }, 'ok'],
    ['same key, same number other protocol', { ...k }, { ...k, ports: ['UDP/80'] }, 'ok'],
    ['same key, overlapping port', { ...k, ports: ['TCP/80', 'TCP/8080'] }, { ...k, ports: ['TCP/8080'] }, 'SharingRefused',
      /^sharing refused: port TCP\/8080 overlaps with default\/web on 203\.0\.113\.5$/],
    ['different keys', { sharingKey: 'a' }, { sharingKey: 'b', ports: ['TCP/443'] }, 'SharingRefused',
      /shared under key "a" by default\/web, this Service has key "b"/],
    ['holder has no key', {}, { ...k, ports: ['TCP/443'] }, 'RequestedIPInUse', /^203\.0\.113\.5 is in use by default\/web, which does not allow sharing$/],
    ['newcomer has no key', { ...k }, { ports: ['TCP/443'] }, 'RequestedIPInUse', /^203\.0\.113\.5 is in use by default\/web/],
    ['both Local, same backends', { ...k, externalTrafficPolicy: 'Local', backendKey: 'app=x' },
      { ...k, externalTrafficPolicy: 'Local', backendKey: 'app=x', ports: ['TCP/443'] }, 'ok'],
    ['both Local, other backends', { ...k, externalTrafficPolicy: 'Local', backendKey: 'app=x' },
      { ...k, externalTrafficPolicy: 'Local', backendKey: 'app=y', ports: ['TCP/443'] }, 'SharingRefused', /externalTrafficPolicy Local/],
    ['one Local, other backends', { ...k, externalTrafficPolicy: 'Local', backendKey: 'app=x' },
      { ...k, backendKey: 'app=y', ports: ['TCP/443'] }, 'SharingRefused', /must select the same pods/],
    ['one Local, same backends', { ...k, backendKey: 'app=x' },
      { ...k, externalTrafficPolicy: 'Local', backendKey: 'app=x', ports: ['TCP/443'] }, 'ok'],
    ['both Cluster, other backends', { ...k, backendKey: 'app=x' }, { ...k, backendKey: 'app=y', ports: ['TCP/443'] }, 'ok'],
  ];
  for (const [what, first, second, want, message] of cases) {
    const a = withFirst(first);
    const r = a.assign(svc('default/api', { requested: ['203.0.113.5'], ...second }));
    if (want === 'ok') {
      assert.deepEqual(okIps(r), ['203.0.113.5'], what);
      assert.deepEqual(a.poolStats('p')?.assignedIPv4, 1n, `${what}: a shared IP counts once`);
    } else {
      failure(r, want, message);
    }
  }
});

test('automatic allocation joins the lowest compatible shared IP, else takes a free one', () => {
  const a = new Allocator();
  a.setPools([pool('p', ['203.0.113.0/29'])]);
  const k = { sharingKey: 'k' };
  assert.deepEqual(okIps(a.assign(svc('default/a', { ...k, ports: ['TCP/80'] }))), ['203.0.113.0']);
  assert.deepEqual(okIps(a.assign(svc('default/b', { ...k, ports: ['TCP/80'] }))), ['203.0.113.1'], 'port clash: a new IP');
  assert.deepEqual(okIps(a.assign(svc('default/c', { ...k, ports: ['UDP/53'] }))), ['203.0.113.0'], 'joins the lowest');
  assert.deepEqual(okIps(a.assign(svc('default/d', { sharingKey: 'other', ports: ['UDP/54'] }))), ['203.0.113.2']);
  assert.deepEqual(okIps(a.assign(svc('default/e', { ports: ['UDP/55'] }))), ['203.0.113.3'], 'no key never shares');
  a.release('default/a');
  assert.deepEqual(a.servicesInPool('p'), ['default/b', 'default/c', 'default/d', 'default/e']);
  assert.deepEqual(okIps(a.assign(svc('default/f', { ports: ['UDP/56'] }))), ['203.0.113.4'], '.0 still held by default/c');
  a.release('default/c');
  assert.deepEqual(okIps(a.assign(svc('default/g', { ports: ['UDP/57'] }))), ['203.0.113.0'], 'freed when the last sharer left');
});

test('a sharer that changes its ports onto a clash moves; a lone holder may change key', () => {
  const a = new Allocator();
  a.setPools([pool('p', ['203.0.113.0/29'])]);
  okIps(a.assign(svc('default/a', { sharingKey: 'k', ports: ['TCP/80'] })));
  okIps(a.assign(svc('default/b', { sharingKey: 'k', ports: ['TCP/81'] })));
  assert.deepEqual(okIps(a.assign(svc('default/b', { sharingKey: 'k', ports: ['TCP/81', 'TCP/82'] }))), ['203.0.113.0'], 'still fine');
  const moved = a.assign(svc('default/b', { sharingKey: 'k', ports: ['TCP/80'] }));
  assert.deepEqual(okIps(moved), ['203.0.113.1']);
  assert.equal(moved.ok && moved.changed, true);
  const rekeyed = a.assign(svc('default/a', { sharingKey: 'new', ports: ['TCP/80'] }));
  assert.deepEqual(okIps(rekeyed), ['203.0.113.0'], 'alone on its IP: keeps it');
  assert.equal(rekeyed.ok && rekeyed.changed, false);
});
