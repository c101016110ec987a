import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bgpReport, endpoints, event, healthyBgp, l2Report, NOW, service, session, snapshot } from './fixtures.ts';
import { explainPool } from './pool.ts';
import { COLOUR, duration, PLAIN, renderPool, renderService, renderStatus, styleFor, WIDTH, wrap } from './render.ts';
import { explainService } from './service.ts';
import { clusterStatus } from './status.ts';

const LONG = `a message that goes on ${'and on '.repeat(40)}until it ends`;

/** Reports of every shape, with long messages and names. */
function texts(style = PLAIN): string[] {
  const key = 'a-rather-long-namespace-name/a-service-with-a-very-long-name-indeed';
  const snap = healthyBgp({
    sessions: [session('n1'), session('n2', 'tor', 'Active', 'Down', LONG), session('n3')],
    events: [event('Warning', 'AllocationFailed', LONG, NOW), event('Normal', 'IPAllocated', 'ok', NOW - 1000)],
  });
  snap.services.push(service(key, { pending: { reason: 'PoolExhausted', message: LONG } }));
  snap.services.push(service('shop/l2', { ips: ['198.51.100.33'], pool: 'l2', local: true }));
  snap.endpointSlices.push(endpoints('shop/l2', ['n1']));
  snap.l2Statuses = [l2Report('shop/l2', 'n1'), l2Report('shop/l2', 'n2')];
  snap.bgpStatuses.push(bgpReport('shop/gone', 'n1'));
  return [
    renderService(explainService(snap, 'shop/web'), style),
    renderService(explainService(snap, key), style),
    renderService(explainService(snap, 'shop/l2'), style),
    renderService(explainService(snap, 'shop/none'), style),
    renderPool(explainPool(snap, 'bgp'), style),
    renderPool(explainPool(snap, 'none'), style),
    renderStatus(clusterStatus(snap), style),
  ];
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

test('plain text: every line within 100 columns, no escape codes, the verdict and next action last', () => {
  for (const text of texts()) {
    assert.ok(!text.includes('\x1b'), 'no colour');
    for (const line of text.split('\n')) assert.ok(line.length <= WIDTH, `${line.length} columns: ${line}`);
    const last = text.trimEnd().split('\n\n').at(-1)!;
    assert.match(last, /^(HEALTHY|NOT HEALTHY): [\s\S]* — next: /);
  }
});

test('a terminal gets colour (unless NO_COLOR), still within 100 visible columns', () => {
  assert.equal(styleFor(true, {}), COLOUR);
  assert.equal(styleFor(true, { NO_COLOR: '1' }), PLAIN);
  assert.equal(styleFor(false, {}), PLAIN);
  assert.equal(styleFor(undefined, {}), PLAIN);
  for (const text of texts(COLOUR)) {
    for (const line of text.split('\n')) assert.ok(line.replace(ANSI, '').length <= WIDTH, line);
  }
  assert.ok(texts(COLOUR)[0]!.includes('\x1b[32m✓\x1b[0m'), 'a green tick');
});

test('the service text shows the pieces: allocation, advertisements, endpoints, nodes with MAC and sessions, events', () => {
  const [bgp, pending, l2] = texts();
  assert.match(bgp!, /^ {2}✓ 198\.51\.100\.16 from pool bgp$/m);
  assert.match(bgp!, /^ {2}✓ BGPAdvertisement bgp: selects pool bgp and the Service; 3 of 3 node\(s\) \(peers: tor\)$/m);
  assert.match(bgp!, /^ {6}BGP to tor 198\.51\.100\.1: ✗ BGP Active, BFD Down \(a message/m);
  assert.match(bgp!, /^ {2}\S+Z Warning AllocationFailed portside-controller: a message/m);
  assert.match(pending!, /^ {2}✗ no IP: PoolExhausted: a message/m);
  assert.match(pending!, /^ {4}to change: add addresses to the pool/m);
  assert.match(l2!, /^ {6}L2: answers ARP\/NDP on eth0 02:00:00:00:00:01/m);
  assert.match(l2!, /not from n2: externalTrafficPolicy Local and no ready endpoint here/);
});

test('wrap: words move to a hanging line; a word longer than the line is cut', () => {
  assert.deepEqual(wrap('  one two three', 9, 2), ['  one two', '    three']);
  assert.deepEqual(wrap('x'.repeat(12), 5, 0), ['xxxxx', 'xxxxx', 'xx']);
  assert.deepEqual(wrap(''), ['']);
});

test('duration', () => {
  assert.equal(duration(30_000), 'less than a minute');
  assert.equal(duration(45 * 60_000), '45 min');
  assert.equal(duration(7 * 3_600_000), '7 h');
  assert.equal(duration(6.5 * 86_400_000), '7 d');
  assert.equal(duration(400 * 86_400_000), 'more than a year');
});

test('pool text: usage per family with the exhaustion estimate, and the holders', () => {
  const snap = snapshot({ services: [service('shop/a', { ips: ['198.51.100.16'], pool: 'bgp', allocatedAt: NOW - 3_600_000 })] });
  const text = renderPool(explainPool(snap, 'bgp'));
  assert.match(text, /^ {2}✓ IPv4: size 16, used 1, free 15; 1 allocated in the last 24 h: runs out in about 15 d$/m);
  assert.match(text, /^ {2}shop\/a: 198\.51\.100\.16 since 2026-03-01T11:00:00Z$/m);
});
