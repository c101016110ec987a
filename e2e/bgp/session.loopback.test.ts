// Two BgpSessions over real TCP on 127.0.0.1 (no root, no namespaces).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { waitFor } from '../wait.ts';
import { WellKnownCommunity } from '../../speaker/bgp/attributes/communities.ts';
import { defaultSessionConfig } from '../../speaker/bgp/fsm-types.ts';
import type { SessionConfig } from '../../speaker/bgp/fsm-types.ts';
import { parseBgpId } from '../../speaker/bgp/open.ts';
import { formatCidr, mustParseCidr } from '../../lib/ip/index.ts';
import { BgpSession } from '../../speaker/bgp/session.ts';
import type { BgpSessionOptions } from '../../speaker/bgp/session.ts';
import { endOfRibFamily } from '../../speaker/bgp/update.ts';
import type { UpdateMessage } from '../../speaker/bgp/update.ts';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((f) => f()));

async function listen(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => server.close());
  return { server, port: (server.address() as AddressInfo).port };
}

function session(config: Partial<SessionConfig> & Pick<SessionConfig, 'localAs' | 'routerId' | 'peerAs'>, opts: Partial<BgpSessionOptions>): BgpSession {
  const s = new BgpSession({ config: { ...defaultSessionConfig, connectTime: 1, maxBackoff: 2, ...config }, peerAddress: '127.0.0.1', ...opts });
  cleanups.push(() => s.stop());
  return s;
}

function record(s: BgpSession): { updates: UpdateMessage[]; events: string[] } {
  const r = { updates: [] as UpdateMessage[], events: [] as string[] };
  s.on('updateReceived', (u) => r.updates.push(u));
  s.on('established', () => r.events.push('established'));
  s.on('down', ({ reason }) => r.events.push(`down ${reason}`));
  s.on('notificationReceived', ({ name, message }) => r.events.push(`received ${name}${message ? ` ${message}` : ''}`));
  s.on('notificationSent', ({ name }) => r.events.push(`sent ${name}`));
  s.on('stateChange', ({ from, to }) => r.events.push(`${from}->${to}`));
  return r;
}

const reach = (u: UpdateMessage[]): string[] =>
  u.flatMap((m) => [...m.nlri, ...m.attributes.flatMap((a) => (a.type === 'mpReach' ? a.nlri : []))]).map(formatCidr);
const gone = (u: UpdateMessage[]): string[] =>
  u.flatMap((m) => [...m.withdrawn, ...m.attributes.flatMap((a) => (a.type === 'mpUnreach' ? a.withdrawn : []))]).map(formatCidr);

describe('BgpSession over loopback TCP', () => {
  it('reaches Established, sends the table + End-of-RIB, then only diffs', async () => {
    const b = session({ localAs: 64513, routerId: parseBgpId('198.51.100.2'), peerAs: 'external', passive: true }, {});
    const { port } = await listen((sock) => b.acceptConnection(sock));
    const a = session({ localAs: 64512, routerId: parseBgpId('198.51.100.1'), peerAs: 64513 }, { peerPort: port, nextHop6: '2001:db8::1' });
    const rb = record(b);
    const ra = record(a);
    a.announce([{ prefix: mustParseCidr('203.0.113.10/32'), communities: [65000] }, { prefix: mustParseCidr('2001:db8:1::10/128') }]);
    b.start();
    a.start();
    await waitFor(() => a.state === 'Established' && b.state === 'Established', { what: 'Established' });
    await waitFor(() => rb.updates.filter((u) => endOfRibFamily(u)).length === 2, { what: 'End-of-RIB for both families' });
    assert.deepEqual(reach(rb.updates).sort(), ['2001:db8:1::10/128', '203.0.113.10/32']);
    assert.equal(b.negotiated?.peerAs, 64512);
    assert.deepEqual(a.negotiated?.families, [4, 6]);

    const before = rb.updates.length;
    a.announce([{ prefix: mustParseCidr('203.0.113.10/32'), communities: [65000] }]); // identical: nothing on the wire
    a.withdraw([mustParseCidr('2001:db8:1::10/128')]);
    await waitFor(() => gone(rb.updates).length === 1, { what: 'withdrawal' });
    assert.equal(rb.updates.length, before + 1);
    assert.deepEqual(gone(rb.updates), ['2001:db8:1::10/128']);

    a.setGracefulShutdown(true);
    await waitFor(() => rb.updates.at(-1)?.attributes.some((x) => x.type === 'communities' && x.values.includes(WellKnownCommunity.GracefulShutdown)), { what: 'GRACEFUL_SHUTDOWN' });

    a.stop('rolling restart');
    await waitFor(() => rb.events.includes('received Cease / Administrative Shutdown rolling restart'), { what: 'shutdown communication' });
    await waitFor(() => rb.events.some((e) => e.startsWith('down')), { what: 'peer down' });
    assert.ok(ra.events.includes('sent Cease / Administrative Shutdown'));
  });

  it('stop with withdraw: every route withdrawn in UPDATEs ahead of the Cease', async () => {
    const b = session({ localAs: 64513, routerId: parseBgpId('198.51.100.2'), peerAs: 'external', passive: true }, {});
    const { port } = await listen((sock) => b.acceptConnection(sock));
    const a = session({ localAs: 64512, routerId: parseBgpId('198.51.100.1'), peerAs: 64513 }, { peerPort: port, nextHop6: '2001:db8::1' });
    const order: string[] = [];
    b.on('updateReceived', (u) => order.push(...gone([u]).map((p) => `withdrawn ${p}`)));
    b.on('notificationReceived', ({ name }) => order.push(`received ${name}`));
    a.announce([{ prefix: mustParseCidr('203.0.113.10/32') }, { prefix: mustParseCidr('2001:db8:1::10/128') }]);
    b.start();
    a.start();
    await waitFor(() => a.state === 'Established' && b.state === 'Established', { what: 'Established' });
    await waitFor(() => a.announcedCount === 2, { what: 'both routes sent' });
    a.stop('peer removed', { withdraw: true });
    await waitFor(() => order.some((e) => e.startsWith('received')), { what: 'the Cease' });
    assert.deepEqual(order.slice(0, 2).sort(), ['withdrawn 2001:db8:1::10/128', 'withdrawn 203.0.113.10/32']);
    assert.equal(order[2], 'received Cease / Administrative Shutdown');
  });

  it('resolves a connection collision when both sides connect at once', async () => {
    const peers: { a?: BgpSession; b?: BgpSession } = {};
    const la = await listen((sock) => peers.a?.acceptConnection(sock));
    const lb = await listen((sock) => peers.b?.acceptConnection(sock));
    const a = (peers.a = session({ localAs: 64512, routerId: parseBgpId('198.51.100.1'), peerAs: 64512 }, { peerPort: lb.port }));
    const b = (peers.b = session({ localAs: 64512, routerId: parseBgpId('198.51.100.2'), peerAs: 64512 }, { peerPort: la.port }));
    const ra = record(a);
    const rb = record(b);
    a.start();
    b.start();
    await waitFor(() => a.state === 'Established' && b.state === 'Established', { what: 'both Established' });
    assert.equal(a.state, 'Established');
    assert.equal(b.state, 'Established');
    assert.deepEqual([ra.events.filter((e) => e === 'established').length, rb.events.filter((e) => e === 'established').length], [1, 1]);
    assert.equal(a.negotiated?.ibgp, true);
    // The losing connection never showed as a session state change.
    assert.ok(!ra.events.includes('OpenConfirm->Idle') && !rb.events.includes('OpenConfirm->Idle'), JSON.stringify([ra.events, rb.events]));
  });
});
