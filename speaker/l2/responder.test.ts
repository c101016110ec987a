// L2Responder against recording fake sockets: what it answers, announces, ignores and
// reasserts. The real raw sockets are covered by responder.netns.test.ts and failover.netns.test.ts.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Icmp6SendOptions, ReceivedIcmp6 } from '../../native/index.ts';
import { ArpOperation, decodeArpFrame, encodeArpFrame, gratuitousArpRequest } from './arp.ts';
import { encodeEthernet } from './ethernet.ts';
import type { InterfaceInfo } from './interface-info.ts';
import type { L2Counters } from './l2-stats.ts';
import type { L2SocketFactory } from './link-responder.ts';
import { decodeNeighborAdvertisement, encodeNeighborAdvertisement, encodeNeighborSolicitation } from './ndp.ts';
import { L2Responder, type ClaimEvent, type L2ResponderOptions } from './responder.ts';

const MAC = '02:00:00:00:00:11';
const CLIENT_MAC = '02:00:00:00:00:99';
const OTHER_MAC = '02:00:00:00:00:12';
const VIP4 = '198.51.100.100';
const VIP6 = '2001:db8:300::100';
const eth0: InterfaceInfo = { name: 'eth0', ifindex: 2, mac: MAC, up: true, noArp: false };

class FakeLink {
  arpSent: Buffer[] = [];
  ndpSent: Icmp6SendOptions[] = [];
  groups = new Set<string>();
  closed = false;
  onFrame: (f: Buffer, pktType?: number) => void = () => {};
  onMessage: (m: ReceivedIcmp6) => void = () => {};
  heartbeatsSent: Buffer[] = [];
  /** ARP frames in the socket's queue, not read yet (handed over by drain()). */
  queued: Buffer[] = [];
  onHeartbeat: (f: Buffer, pktType?: number) => void = () => {};
}

class RecordingCounters implements L2Counters {
  events: string[] = [];
  requestReceived = (ip: string) => void this.events.push(`request ${ip}`);
  responseSent = (ip: string) => void this.events.push(`response ${ip}`);
  gratuitousSent = (ip: string) => void this.events.push(`gratuitous ${ip}`);
  ignored = (reason: string) => void this.events.push(`ignored ${reason}`);
  conflict = (ip: string, outcome: string) => void this.events.push(`conflict ${ip} ${outcome}`);
  count = (prefix: string) => this.events.filter((e) => e.startsWith(prefix)).length;
}

async function setup(t: TestContext, extra: Partial<L2ResponderOptions> = {}) {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const fake = new FakeLink();
  const sockets: L2SocketFactory = {
    openArp: (_link, onFrame) => {
      fake.onFrame = onFrame;
      return { send: (f) => void fake.arpSent.push(Buffer.from(f)), drain: () => fake.queued.splice(0).forEach((f) => fake.onFrame(f)), close: () => void (fake.closed = true) };
    },
    openNdp: (_link, onMessage) => {
      fake.onMessage = onMessage;
      return {
        send: (o) => void fake.ndpSent.push(o),
        joinGroup: (g) => !fake.groups.has(g) && !!fake.groups.add(g),
        leaveGroup: (g) => fake.groups.delete(g),
        close: () => void (fake.closed = true),
      };
    },
    openHeartbeat: (_link, onFrame) => {
      fake.onHeartbeat = onFrame;
      return { send: (f) => void fake.heartbeatsSent.push(Buffer.from(f)), close: () => undefined };
    },
  };
  const counters = new RecordingCounters();
  const failures: string[] = [];
  const responder = new L2Responder({
    interfaces: ['eth0', 'eth9'],
    sockets,
    counters,
    discover: async () => ({ eligible: [eth0], rejected: [{ name: 'eth9', reason: 'interface does not exist' }] }),
    onAnnounceFailed: (ifname, reason) => void failures.push(`${ifname}: ${reason}`),
    linkPollMs: 0,
    ...extra,
  });
  await responder.start();
  t.after(() => responder.close());
  return { responder, fake, counters, failures };
}

const arpRequest = (targetIp: string) =>
  encodeArpFrame('ff:ff:ff:ff:ff:ff', CLIENT_MAC, { operation: ArpOperation.Request, senderMac: CLIENT_MAC, senderIp: '198.51.100.1', targetMac: '00:00:00:00:00:00', targetIp });
const ns = (target: string): ReceivedIcmp6 => ({
  data: encodeNeighborSolicitation({ target, sourceLinkLayer: CLIENT_MAC }),
  source: '2001:db8:300::1',
  destination: 'ff02::1:ff00:100',
  hopLimit: 255,
  ifindex: 2,
});

test('a missing interface is reported through onAnnounceFailed', async (t) => {
  const { failures } = await setup(t);
  assert.deepEqual(failures, ['eth9: interface does not exist']);
});

test('answers ARP and NS only for owned IPs; garbage is counted, never thrown', async (t) => {
  const { responder, fake, counters } = await setup(t);
  responder.setOwned([VIP4, '2001:DB8:300:0::100']);
  fake.arpSent = [];
  fake.ndpSent = [];
  fake.onFrame(arpRequest(VIP4));
  fake.onFrame(arpRequest('198.51.100.101'));
  fake.onFrame(Buffer.from('not a frame'));
  fake.onMessage(ns(VIP6));
  fake.onMessage(ns('2001:db8:300::101'));
  fake.onMessage({ ...ns(VIP6), hopLimit: 64 });
  fake.onMessage({ ...ns(VIP6), data: Buffer.from([135, 0, 0]) });

  assert.equal(fake.arpSent.length, 1);
  const reply = decodeArpFrame(fake.arpSent[0] ?? Buffer.alloc(0));
  assert.ok(reply.ok);
  assert.deepEqual([reply.value.arp.operation, reply.value.arp.senderIp, reply.value.arp.senderMac, reply.value.ethernet.destination], [ArpOperation.Reply, VIP4, MAC, CLIENT_MAC]);
  assert.equal(fake.ndpSent.length, 1);
  assert.equal(fake.ndpSent[0]?.destination, '2001:db8:300::1');
  const na = decodeNeighborAdvertisement(fake.ndpSent[0]?.message ?? new Uint8Array());
  assert.ok(na.ok && na.value.target === VIP6 && na.value.targetLinkLayer === MAC && na.value.solicited && na.value.override);
  assert.deepEqual([counters.count('request'), counters.count('response'), counters.count('ignored not-owned')], [2, 2, 2]);
  assert.deepEqual(counters.events.filter((e) => e.startsWith('ignored') && !e.endsWith('not-owned')), ['ignored arp-truncated', 'ignored ns-bad-hop-limit', 'ignored ns-truncated']);
});

test('requests queued before an IP is taken are not answered (its last owner did); kept IPs still are, released ones not', async (t) => {
  const { responder, fake } = await setup(t);
  const NEXT = '198.51.100.101';
  responder.setOwned([VIP4, '198.51.100.102']);
  fake.arpSent = [];
  fake.queued = [arpRequest(NEXT), arpRequest(VIP4), arpRequest('198.51.100.102')];
  responder.setOwned([VIP4, NEXT]);
  const replies = () => fake.arpSent.map((f) => decodeArpFrame(f)).filter((r) => r.ok && r.value.arp.operation === ArpOperation.Reply && r.value.ethernet.destination === CLIENT_MAC);
  assert.deepEqual(replies().map((r) => r.ok && r.value.arp.senderIp), [VIP4], 'only the IP owned before and still owned');
  fake.onFrame(arpRequest(NEXT));
  assert.deepEqual(replies().map((r) => r.ok && r.value.arp.senderIp), [VIP4, NEXT], 'a request after the take is answered');
});

test('a flooding source is answered up to its burst, then at its rate; other sources are answered as before', async (t) => {
  const { responder, fake, counters } = await setup(t, { answerLimit: { ratePerSecond: 10, burst: 3, maxSources: 16 } });
  responder.setOwned([VIP4, VIP6]);
  fake.arpSent = [];
  fake.ndpSent = [];
  for (let i = 0; i < 100; i++) {
    fake.onFrame(arpRequest(VIP4));
    fake.onMessage(ns(VIP6));
  }
  assert.deepEqual([fake.arpSent.length, fake.ndpSent.length], [3, 3], 'the burst, then nothing');
  assert.equal(counters.count('ignored rate-limited'), 194);
  assert.equal(counters.count('request'), 200, 'every request is still counted');
  const other = encodeArpFrame('ff:ff:ff:ff:ff:ff', OTHER_MAC, { operation: ArpOperation.Request, senderMac: OTHER_MAC, senderIp: '198.51.100.2', targetMac: '00:00:00:00:00:00', targetIp: VIP4 });
  fake.onFrame(other);
  fake.onMessage({ ...ns(VIP6), source: '2001:db8:300::2' });
  assert.deepEqual([fake.arpSent.length, fake.ndpSent.length], [4, 4], 'another source is answered at once');
  t.mock.timers.tick(100);
  fake.onFrame(arpRequest(VIP4));
  fake.onFrame(arpRequest(VIP4));
  assert.equal(fake.arpSent.length, 5, 'one token back after 100 ms');
});

test('a newly owned IP is announced at once and on the schedule; a dropped one stops', async (t) => {
  const { responder, fake, counters } = await setup(t);
  responder.setOwned([VIP4, VIP6]);
  assert.equal(fake.arpSent.length, 2, 'gratuitous request and reply at once');
  assert.equal(fake.ndpSent.length, 1, 'unsolicited NA at once');
  assert.equal(fake.ndpSent[0]?.destination, 'ff02::1');
  assert.deepEqual(fake.groups, new Set(['ff02::1:ff00:100']));
  t.mock.timers.tick(250);
  assert.equal(fake.arpSent.length, 4);
  t.mock.timers.tick(750);
  assert.equal(fake.ndpSent.length, 3);
  responder.setOwned([VIP4]);
  assert.deepEqual(fake.groups, new Set(), 'left the solicited-node group');
  t.mock.timers.tick(5000);
  assert.equal(fake.arpSent.length, 8, 'IPv4 kept its last repeat');
  assert.equal(fake.ndpSent.length, 3, 'IPv6 repeats were cancelled');
  assert.equal(counters.count(`gratuitous ${VIP4}`), 8);
  responder.setOwned([VIP4]);
  assert.equal(fake.arpSent.length, 8, 'an IP already owned is not announced again');
});

test('IPs sharing a solicited-node group keep it joined until the last one goes', async (t) => {
  const { responder, fake } = await setup(t);
  responder.setOwned(['2001:db8:300::100', '2001:db8:301::100']);
  assert.deepEqual(fake.groups, new Set(['ff02::1:ff00:100']));
  responder.setOwned(['2001:db8:301::100']);
  assert.deepEqual(fake.groups, new Set(['ff02::1:ff00:100']));
  responder.setOwned([]);
  assert.deepEqual(fake.groups, new Set());
});

test('a claim on the wire never makes it yield, whoever the MAC belongs to: it reasserts', async (t) => {
  const claims: ClaimEvent[] = [];
  const { responder, fake, counters } = await setup(t, { onClaim: (c) => void claims.push(c), announceScheduleMs: [0] });
  responder.setOwned([VIP4, VIP6]);
  fake.arpSent = [];
  fake.ndpSent = [];
  fake.onFrame(gratuitousArpRequest(OTHER_MAC, VIP4));
  fake.onMessage({ ...ns(VIP6), data: encodeNeighborAdvertisement({ target: VIP6, targetLinkLayer: OTHER_MAC, router: false, solicited: false, override: true }), destination: 'ff02::1' });
  assert.deepEqual(claims, [{ ip: VIP4, mac: OTHER_MAC, ifname: 'eth0' }, { ip: VIP6, mac: OTHER_MAC, ifname: 'eth0' }]);
  assert.deepEqual(responder.owned().sort(), [VIP4, VIP6].sort(), 'still answering both');
  assert.equal(fake.arpSent.length, 2, 'gratuitous ARP request + reply again');
  assert.equal(fake.ndpSent.length, 1, 'an unsolicited NA again');
  fake.arpSent = [];
  fake.onFrame(arpRequest(VIP4));
  assert.equal(fake.arpSent.length, 1, 'answered');
  assert.equal(counters.count('conflict'), 2);
  assert.equal(counters.count('conflict 198.51.100.100 reassert'), 1);
});

test('frames for another host (a VLAN tag the kernel stripped), tagged frames and group or zero sender MACs get no reply', async (t) => {
  const { responder, fake, counters } = await setup(t);
  responder.setOwned([VIP4, VIP6]);
  fake.arpSent = [];
  fake.ndpSent = [];
  fake.onFrame(arpRequest(VIP4), 3); // PACKET_OTHERHOST: what a frame tagged for VLAN 100 looks like on eth0
  const tagged = Buffer.from(arpRequest(VIP4));
  const withTag = Buffer.concat([tagged.subarray(0, 12), Buffer.from([0x81, 0x00, 0x00, 0x64]), tagged.subarray(12)]);
  fake.onFrame(withTag);
  for (const sender of ['ff:ff:ff:ff:ff:ff', '01:00:5e:00:00:01', '33:33:00:00:00:01', '00:00:00:00:00:00']) {
    fake.onFrame(encodeArpFrame('ff:ff:ff:ff:ff:ff', CLIENT_MAC, { operation: ArpOperation.Request, senderMac: sender, senderIp: '198.51.100.1', targetMac: '00:00:00:00:00:00', targetIp: VIP4 }));
    fake.onFrame(encodeArpFrame('ff:ff:ff:ff:ff:ff', sender, { operation: ArpOperation.Request, senderMac: CLIENT_MAC, senderIp: '198.51.100.1', targetMac: '00:00:00:00:00:00', targetIp: VIP4 }));
  }
  fake.onMessage({ ...ns(VIP6), data: encodeNeighborSolicitation({ target: VIP6, sourceLinkLayer: '33:33:00:00:00:01' }) });
  assert.equal(fake.arpSent.length, 0);
  assert.equal(fake.ndpSent.length, 0);
  assert.equal(counters.count('ignored other-host'), 1);
  assert.equal(counters.count('ignored vlan-tagged'), 1);
  assert.equal(counters.count('ignored arp-bad-sender'), 8);
  assert.equal(counters.count('ignored ns-bad-sender'), 1);
  fake.onFrame(arpRequest(VIP4), 1);
  assert.equal(fake.arpSent.length, 1, 'an untagged broadcast request is answered');
});

test('heartbeats go out as Ethernet frames and come in from other MACs; other hosts\' frames are reported', async (t) => {
  const heard: string[] = [];
  let seen = 0;
  const { responder, fake } = await setup(t, { onHeartbeatFrame: (payload, mac) => void heard.push(`${mac} ${Buffer.from(payload).toString()}`), onSegmentFrame: () => void seen++ });
  responder.sendHeartbeat(Buffer.from('PSHB-signed-bytes'));
  assert.equal(fake.heartbeatsSent.length, 1);
  const sent = fake.heartbeatsSent[0]!;
  assert.equal(sent.readUInt16BE(12), 0x88b5);
  assert.equal(sent.subarray(6, 12).toString('hex'), MAC.replaceAll(':', ''));
  fake.onHeartbeat(sent); // our own
  fake.onHeartbeat(encodeEthernet({ destination: '03:70:73:68:62:00', source: OTHER_MAC, etherType: 0x88b5, payload: Buffer.from('PSHB-from-a-peer'.padEnd(50, '.')) }));
  assert.deepEqual(heard, [`${OTHER_MAC} ${'PSHB-from-a-peer'.padEnd(50, '.')}`]);
  fake.onFrame(arpRequest('198.51.100.7'));
  assert.equal(seen, 2, 'the peer heartbeat and the ARP request');
});

test('a lower-ranked or unknown claimant gets a reassertion, at most once per interval', async (t) => {
  const { responder, fake } = await setup(t, { announceScheduleMs: [0] });
  responder.setOwned([VIP4]);
  fake.arpSent = [];
  fake.onFrame(gratuitousArpRequest(OTHER_MAC, VIP4));
  fake.onFrame(gratuitousArpRequest(OTHER_MAC, VIP4));
  assert.equal(fake.arpSent.length, 2, 'one gratuitous request + reply');
  t.mock.timers.tick(1001);
  fake.onFrame(gratuitousArpRequest(OTHER_MAC, VIP4));
  assert.equal(fake.arpSent.length, 4);
  assert.deepEqual(responder.owned(), [VIP4]);
  // Our own gratuitous ARP, or one for an IP we do not own, is no claim.
  fake.onFrame(gratuitousArpRequest(MAC, VIP4));
  fake.onFrame(gratuitousArpRequest(OTHER_MAC, '198.51.100.7'));
  assert.equal(fake.arpSent.length, 4);
});

test('close releases the sockets and cancels pending announcements', async (t) => {
  const { responder, fake } = await setup(t);
  responder.setOwned([VIP4]);
  responder.close();
  t.mock.timers.tick(5000);
  assert.equal(fake.arpSent.length, 2);
  assert.ok(fake.closed);
});

test('a link going down stops answers at once; back up, it is held down before answering again', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] });
  let up = true;
  const fake = new FakeLink();
  const opened: string[] = [];
  const sockets: L2SocketFactory = {
    openArp: (link, onFrame) => {
      opened.push(link.name);
      fake.onFrame = onFrame;
      return { send: (f) => void fake.arpSent.push(Buffer.from(f)), drain: () => fake.queued.splice(0).forEach((f) => fake.onFrame(f)), close: () => void (fake.closed = true) };
    },
    openNdp: () => ({ send: () => undefined, joinGroup: () => true, leaveGroup: () => true, close: () => undefined }),
  };
  const changes: string[] = [];
  const responder = new L2Responder({
    interfaces: ['eth0'],
    sockets,
    counters: new RecordingCounters(),
    discover: async () => (up ? { eligible: [eth0], rejected: [] } : { eligible: [], rejected: [{ name: 'eth0', reason: 'interface is down' }] }),
    probeLink: () => up,
    linkPollMs: 50,
    linkHoldDownMs: 500,
    onLinksChanged: (links) => void changes.push(JSON.stringify(links)),
  });
  t.after(() => responder.close());
  await responder.start();
  responder.setOwned([VIP4]);
  assert.deepEqual(responder.linkStates(), [{ name: 'eth0', mac: MAC }]);
  const settle = async (ms: number) => {
    t.mock.timers.tick(ms);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };

  up = false;
  await settle(50);
  assert.deepEqual(responder.links(), []);
  assert.deepEqual(responder.linkStates(), [{ name: 'eth0', mac: MAC, up: false }]);
  assert.equal(fake.closed, true);
  fake.arpSent = [];

  up = true;
  await settle(50);
  assert.deepEqual(responder.linkStates(), [{ name: 'eth0', mac: MAC, up: false }], 'held down');
  assert.equal(opened.length, 1);
  await settle(400);
  assert.equal(opened.length, 1, 'still held down');
  await settle(110);
  assert.deepEqual(responder.linkStates(), [{ name: 'eth0', mac: MAC }]);
  assert.equal(opened.length, 2);
  assert.ok(fake.arpSent.length >= 2, 'owned IPs announced again on the link');
  assert.deepEqual(changes.map((c) => JSON.parse(c) as unknown), [
    [{ name: 'eth0', mac: MAC }],
    [{ name: 'eth0', mac: MAC, up: false }],
    [{ name: 'eth0', mac: MAC }],
  ]);
});
