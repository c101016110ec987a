// BgpPeerManager, BgpListener and BgpStats over real TCP on loopback (no root, no namespaces).
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { Registry } from '../../lib/metrics/index.ts';
import { waitFor } from '../wait.ts';
import { defaultSessionConfig } from '../../speaker/bgp/fsm-types.ts';
import { BgpListener } from '../../speaker/bgp/listener.ts';
import { BgpStats } from '../../speaker/bgp/metrics.ts';
import { parseBgpId } from '../../speaker/bgp/open.ts';
import { BgpPeerManager } from '../../speaker/bgp/peers.ts';
import { formatCidr, mustParseCidr } from '../../lib/ip/index.ts';
import { BgpSession } from '../../speaker/bgp/session.ts';
import { endOfRibFamily } from '../../speaker/bgp/update.ts';
import { toBgpPeer } from './peer-spec.ts';
import type { PeerSpec } from './peer-spec.ts';

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const f of cleanups.reverse()) await f();
});
const node = { name: 'n1', addresses: ['127.0.0.1'] };

/** A passive BgpSession as "the router", on a free loopback port. */
async function router(asn: number): Promise<{ port: number; session: BgpSession; prefixes: Set<string> }> {
  const session = new BgpSession({
    config: { ...defaultSessionConfig, localAs: asn, routerId: parseBgpId('198.51.100.1'), peerAs: 'external', passive: true, families: [4], holdTime: 9, connectTime: 1, maxBackoff: 2 },
    peerAddress: '127.0.0.1',
  });
  const prefixes = new Set<string>();
  session.on('updateReceived', (u) => {
    for (const p of u.withdrawn) prefixes.delete(formatCidr(p));
    for (const p of u.nlri) prefixes.add(formatCidr(p));
  });
  const server = createServer((s) => session.acceptConnection(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  session.start();
  cleanups.push(() => session.stop(), () => server.close());
  return { port: (server.address() as AddressInfo).port, session, prefixes };
}

const spec = (port: number, extra: Partial<PeerSpec> = {}): PeerSpec => ({
  name: 'tor', myASN: 64600, dynamicASN: 'external', peerAddress: '127.0.0.1', peerPort: port, holdTimeS: 9, connectTimeS: 1, ...extra,
});

describe('BgpPeerManager', () => {
  it('brings a session up, learns the peer ASN, sends diffs, restarts on a timer change, removes', async () => {
    const r = await router(64512);
    const registry = new Registry();
    const m = new BgpPeerManager({ stats: new BgpStats(registry), defaults: { connectTime: 1, maxBackoff: 2 } });
    cleanups.push(() => m.stop());
    const events: string[] = [];
    m.on('sessionUp', (p, s) => events.push(`up ${p} ${s.peerAs}`));
    m.on('sessionDown', (p) => events.push(`down ${p}`));
    m.setRoutes('tor', [{ prefix: mustParseCidr('203.0.113.1/32'), communities: [0xfc580064] }]);
    m.setPeers([toBgpPeer(spec(r.port))], node);
    await waitFor(() => r.prefixes.has('203.0.113.1/32'), { what: 'route at the router' });
    assert.deepEqual(events, ['up tor 64512']);
    const [status] = m.sessions();
    assert.equal(status?.state, 'Established');
    assert.equal(status?.peerAs, 64512, 'dynamic ASN learned from the OPEN');
    m.setRoutes('tor', [{ prefix: mustParseCidr('203.0.113.2/32') }]);
    await waitFor(() => r.prefixes.has('203.0.113.2/32') && !r.prefixes.has('203.0.113.1/32'), { what: 'diff applied' });
    const text = await registry.metrics();
    assert.match(text, /portside_bgp_session_up\{peer="tor"\} 1/);
    assert.match(text, /portside_bgp_announced_prefixes_total\{peer="tor"\} 1/);
    assert.match(text, /portside_bgp_updates_total\{peer="tor",direction="sent"\} [2-9]/);

    m.setPeers([toBgpPeer(spec(r.port))], node); // unchanged: nothing happens
    assert.equal(m.sessions()[0]?.state, 'Established');
    m.setPeers([toBgpPeer(spec(r.port, { holdTimeS: 12 }))], node);
    await waitFor(() => events.filter((e) => e.startsWith('up')).length === 2, { what: 'session restarted', timeoutMs: 15_000 });
    await waitFor(() => r.prefixes.has('203.0.113.2/32') && r.session.state === 'Established', { what: 'routes re-sent after the restart' });
    m.setPeers([], node);
    assert.deepEqual(m.sessions(), []);
    await waitFor(() => r.session.state !== 'Established', { what: 'router sees the session end' });
    assert.doesNotMatch(await registry.metrics(), /portside_bgp_session_up\{peer="tor"\}/);
  });

  it('restart exit: the graceful-restart peer keeps our routes (no NOTIFICATION), the other withdraws and Ceases; the next manager opens with R, then table and End-of-RIB', async () => {
    const gr = await router(64512);
    const plain = await router(64513);
    const m = new BgpPeerManager({ defaults: { connectTime: 1, maxBackoff: 2 } });
    cleanups.push(() => m.stop());
    const route = [{ prefix: mustParseCidr('203.0.113.1/32') }];
    const grPeer = toBgpPeer(spec(gr.port, { name: 'tor-gr', gracefulRestart: true }));
    m.setPeers([grPeer, toBgpPeer(spec(plain.port, { name: 'tor-plain' }))], node);
    m.setRoutes('tor-gr', route);
    m.setRoutes('tor-plain', route);
    await waitFor(() => gr.prefixes.size === 1 && plain.prefixes.size === 1 && m.sessions().every((s) => s.state === 'Established'), { what: 'both routers hold the route' });
    assert.deepEqual(m.restartablePeers(), ['tor-gr']);
    const heard: string[] = [];
    gr.session.on('notificationReceived', ({ code, subcode }) => heard.push(`tor-gr ${code}/${subcode}`));
    plain.session.on('notificationReceived', ({ code, subcode }) => heard.push(`tor-plain ${code}/${subcode}`));

    assert.deepEqual(await m.gracefulShutdown(50, { restart: true }), ['tor-gr']);
    await waitFor(() => gr.session.state !== 'Established' && plain.session.state !== 'Established', { what: 'both sessions closed' });
    assert.deepEqual(heard, ['tor-plain 6/2'], 'Cease to the plain peer only');
    assert.deepEqual([...gr.prefixes], ['203.0.113.1/32'], 'nothing withdrawn from the graceful-restart peer');
    assert.equal(plain.prefixes.size, 0, 'withdrawn from the plain peer before the Cease');

    const registry = new Registry();
    const next = new BgpPeerManager({ stats: new BgpStats(registry), defaults: { connectTime: 1, maxBackoff: 2 }, restarting: true });
    cleanups.push(() => next.stop());
    const updates: string[] = [];
    gr.session.on('updateReceived', (u) => updates.push(endOfRibFamily(u) === 4 ? 'End-of-RIB' : u.nlri.map(formatCidr).join(',')));
    next.setPeers([grPeer], node);
    await waitFor(() => gr.session.negotiated, { what: 'the restarted session Established', timeoutMs: 15_000 });
    assert.equal(gr.session.negotiated?.peerGracefulRestart?.restarting, true, 'the OPEN carries the Restart State bit');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(updates.length, 0, 'no table and no End-of-RIB before the routes are known');
    assert.match(await registry.metrics(), /portside_bgp_graceful_restart_pending\{peer="tor-gr"\} 1/);
    next.setRoutes('tor-gr', route);
    await waitFor(() => updates.includes('End-of-RIB'), { what: 'End-of-RIB' });
    assert.deepEqual(updates, ['203.0.113.1/32', 'End-of-RIB'], 'the table, then End-of-RIB');
    assert.match(await registry.metrics(), /portside_bgp_graceful_restart_pending\{peer="tor-gr"\} 0/);
  });

  it('after a restart, a BFD time from the marker holds a session no longer than the restart time', async () => {
    const r = await router(64512);
    const m = new BgpPeerManager({ defaults: { connectTime: 1, maxBackoff: 2, restartTime: 2 }, restarting: true, restartBfdDownAfterMs: { tor: 1e9 } });
    cleanups.push(() => m.stop());
    m.setPeers([toBgpPeer(spec(r.port, { gracefulRestart: true }))], node);
    await waitFor(() => r.session.negotiated, { what: 'Established within the restart time (2 s), not after the marker\'s 1e9 ms', timeoutMs: 15_000 });
    assert.equal(r.session.negotiated?.peerGracefulRestart?.restarting, true, 'opened with the Restart State bit');
  });

  it('reports a refused connection with a hint and keeps retrying with backoff', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const m = new BgpPeerManager({ defaults: { connectTime: 1, maxBackoff: 2 } });
    cleanups.push(() => m.stop());
    const failures: string[] = [];
    m.on('connectFailed', (_p, f) => failures.push(`${f.outcome}: ${f.hint}`));
    m.setPeers([toBgpPeer(spec(port))], node);
    await waitFor(() => failures.length >= 1, { what: 'a failed attempt' });
    assert.match(failures[0] ?? '', /^refused: connection refused/);
    assert.match(m.sessions()[0]?.lastError ?? '', /refused/);
  });
});

describe('BgpListener', () => {
  it('hands a connection to the peer registered for its address and refuses others', async () => {
    const listener = new BgpListener({ host: '127.0.0.1', port: 0, md5: false });
    await listener.start();
    cleanups.push(() => listener.close());
    const accepted: string[] = [];
    listener.register('127.0.0.2', () => accepted.push('wrong'));
    const closedByListener = new Promise<void>((resolve) => {
      connect({ host: '127.0.0.1', port: listener.port ?? 0 }).on('close', () => resolve()).on('error', () => {});
    });
    await closedByListener;
    assert.equal(accepted.length, 0);
    listener.register('::ffff:127.0.0.1', (s) => {
      accepted.push('ok');
      s.destroy();
    });
    connect({ host: '127.0.0.1', port: listener.port ?? 0 }).on('error', () => {});
    await waitFor(() => accepted.length === 1, { what: 'accepted' });
    assert.deepEqual(accepted, ['ok']);
  });
});
