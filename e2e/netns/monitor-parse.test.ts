// The parsers of route-monitor.ts and packet-capture.ts on output captured from iproute2 6.1
// and tcpdump 4.99 (pure: no namespace needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMonitorStamp } from './route-monitor.ts';
import { monitorMessages, parseCapture, routeChanges } from './index.ts';

const MONITOR = [
  '[2026-12-05T00:48:43.199533] id 1 via 198.51.100.10 dev d0 scope link ',
  '[2026-12-05T00:48:43.201167] id 2 via 198.51.100.11 dev d0 scope link ',
  '[2026-12-05T00:48:43.203737] id 3 group 1/2 ',
  '[2026-12-05T00:48:43.205302] 203.0.113.100 nhid 3 proto bgp ',
  '\tnexthop via 198.51.100.10 dev d0 weight 1 ',
  '\tnexthop via 198.51.100.11 dev d0 weight 1 ',
  '[2026-12-05T00:48:43.207790] id 4 group 2 ',
  '[2026-12-05T00:48:43.209989] 203.0.113.100 nhid 4 via 198.51.100.11 dev d0 proto bgp ',
  '[2026-12-05T00:48:43.211000] id 4 group 1/2 ',
  '[2026-12-05T00:48:43.212937] Deleted id 3 group 1/2 ',
  '[2026-12-05T00:48:43.215127] 203.0.113.101 proto bgp ',
  '\tnexthop via 198.51.100.10 dev d0 weight 1 ',
  '[2026-12-05T00:48:43.217720] Deleted 203.0.113.100 nhid 4 via 198.51.100.11 dev d0 proto bgp ',
  '[2026-12-05T00:48:44.246430] local fe80::c824:b0ff:fee7:f165 dev d1 table local proto kernel metric 0 pref medium',
].join('\n');

test('route monitor: next hops of one prefix per change, through nexthop groups, replaced groups and deletion', () => {
  const base = parseMonitorStamp('2026-12-05T00:48:43.205302');
  const changes = routeChanges(monitorMessages(MONITOR), '203.0.113.100/32').map((c) => ({ dt: Math.round((c.t - base) * 1000), hops: c.hops }));
  assert.deepEqual(changes, [
    { dt: 0, hops: ['198.51.100.10', '198.51.100.11'] },
    { dt: 4687, hops: ['198.51.100.11'] },
    { dt: 5698, hops: ['198.51.100.10', '198.51.100.11'] }, // group 4 replaced in place
    { dt: 12418, hops: [] },
  ]);
  assert.deepEqual(routeChanges(monitorMessages(MONITOR), '203.0.113.101/32').map((c) => c.hops), [['198.51.100.10']]);
  assert.ok(Number.isNaN(parseMonitorStamp('2026-12-05 00:48:43')));
});

test('packet capture: kernel timestamps and addresses, tcpdump banner skipped', () => {
  const text = [
    'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode',
    'listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes',
    '1764896000.123456 IP 198.51.100.131.49233 > 198.51.100.130.3784: UDP, length 24',
    '1764896000.223400 IP6 2001:db8::3.49233 > 2001:db8::2.3784: UDP, length 24',
  ].join('\n');
  assert.deepEqual(parseCapture(text), [
    { t: 1764896000123.456, src: '198.51.100.131', dst: '198.51.100.130' },
    { t: 1764896000223.4, src: '2001:db8::3', dst: '2001:db8::2' },
  ]);
});
