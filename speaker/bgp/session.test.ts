// BgpSession with injected timers and in-memory sockets: no network.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { FakeClock } from '../../lib/time/index.ts';
import type { BgpSocket } from './connection.ts';
import { defaultSessionConfig } from './fsm-types.ts';
import { parseBgpId } from './open.ts';
import { BgpSession } from './session.ts';

/** One end of an in-memory connection; writes arrive at the peer on a later microtask. */
class MemorySocket extends EventEmitter implements BgpSocket {
  peer: MemorySocket | undefined;
  closed = false;
  readonly localAddress = '198.51.100.1';
  write(data: Buffer): boolean {
    if (this.closed) return false;
    const peer = this.peer;
    queueMicrotask(() => peer?.emit('data', Buffer.from(data)));
    return true;
  }
  end(): void {
    this.destroy();
  }
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.emit('close'));
    this.peer?.destroy();
  }
}

function socketPair(): [MemorySocket, MemorySocket] {
  const a = new MemorySocket();
  const b = new MemorySocket();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('BgpSession with fake timers and sockets', () => {
  it('hold timer expiry sends NOTIFICATION 4 and reports down', async () => {
    const [ours, theirs] = socketPair();
    const ta = new FakeClock();
    const tb = new FakeClock();
    const common = { ...defaultSessionConfig, holdTime: 9 };
    const a = new BgpSession({
      config: { ...common, localAs: 64512, routerId: parseBgpId('198.51.100.1'), peerAs: 64513 },
      peerAddress: '198.51.100.2', clock: ta, random: () => 0.5,
      connect: () => (queueMicrotask(() => ours.emit('connect')), ours),
    });
    const b = new BgpSession({
      config: { ...common, localAs: 64513, routerId: parseBgpId('198.51.100.2'), peerAs: 64512, passive: true },
      peerAddress: '198.51.100.1', clock: tb,
    });
    const seen: string[] = [];
    a.on('down', ({ reason }) => seen.push(`a down: ${reason}`));
    a.on('notificationSent', ({ code, subcode }) => seen.push(`a sent ${code}/${subcode}`));
    b.on('notificationReceived', ({ code }) => seen.push(`b received ${code}`));
    b.start();
    a.start();
    b.acceptConnection(theirs);
    await flush();
    assert.deepEqual([a.state, b.state], ['Established', 'Established']);
    assert.equal(a.negotiated?.keepaliveTime, 3);
    ta.advance(9000);
    await flush();
    assert.deepEqual(seen, ['a sent 4/0', 'a down: hold timer expired', 'b received 4']);
    assert.equal(a.state, 'Idle');
    assert.ok(ta.delays().some((ms) => ms >= 3750 && ms <= 5000), 'automatic restart scheduled');
  });

  it('every message on the wire is reported by direction and type (FRR\'s per-neighbor counters)', async () => {
    const [ours, theirs] = socketPair();
    const ta = new FakeClock();
    const a = new BgpSession({
      config: { ...defaultSessionConfig, holdTime: 9, localAs: 64512, routerId: parseBgpId('198.51.100.1'), peerAs: 64513 },
      peerAddress: '198.51.100.2', clock: ta, random: () => 0.5,
      connect: () => (queueMicrotask(() => ours.emit('connect')), ours),
    });
    const b = new BgpSession({
      config: { ...defaultSessionConfig, holdTime: 9, localAs: 64513, routerId: parseBgpId('198.51.100.2'), peerAs: 64512, passive: true },
      peerAddress: '198.51.100.1', clock: new FakeClock(),
    });
    const count = new Map<string, number>();
    a.on('message', ({ direction, type }) => count.set(`${direction} ${type}`, (count.get(`${direction} ${type}`) ?? 0) + 1));
    b.start();
    a.start();
    b.acceptConnection(theirs);
    await flush();
    assert.equal(a.state, 'Established');
    assert.equal(count.get('sent open'), 1);
    assert.equal(count.get('received open'), 1);
    assert.ok((count.get('sent keepalive') ?? 0) >= 1 && (count.get('received keepalive') ?? 0) >= 1, JSON.stringify([...count]));
    const keepalives = count.get('sent keepalive') ?? 0;
    ta.advance(3000); // one keepalive interval
    await flush();
    assert.equal(count.get('sent keepalive'), keepalives + 1);
    ta.advance(9000); // hold timer: NOTIFICATION 4
    await flush();
    assert.equal(count.get('sent notification'), 1);
  });

  it("a socket error is not swallowed: it ends the session with its reason, is logged with an event key and reported", async () => {
    const [ours, theirs] = socketPair();
    const logged: string[] = [];
    const logger = {
      debug: (o: object, m: string) => logged.push(`${(o as { event: string }).event}: ${m}`),
      info: () => undefined,
      warn: (o: object, m: string) => logged.push(`${(o as { event: string }).event}: ${m}`),
    };
    const a = new BgpSession({
      config: { ...defaultSessionConfig, localAs: 64512, routerId: parseBgpId('198.51.100.1'), peerAs: 64513 },
      peerAddress: '198.51.100.2', clock: new FakeClock(), logger,
      connect: () => (queueMicrotask(() => ours.emit('connect')), ours),
    });
    const b = new BgpSession({
      config: { ...defaultSessionConfig, localAs: 64513, routerId: parseBgpId('198.51.100.2'), peerAs: 64512, passive: true },
      peerAddress: '198.51.100.1', clock: new FakeClock(),
    });
    const seen: string[] = [];
    a.on('down', ({ reason }) => seen.push(`down: ${reason}`));
    a.on('socketError', ({ code, current }) => seen.push(`socketError ${code} current=${current}`));
    b.start();
    a.start();
    b.acceptConnection(theirs);
    await flush();
    assert.equal(a.state, 'Established');
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    ours.emit('error', reset);
    ours.emit('error', reset); // the connection already dropped this socket: reported, not acted on
    assert.equal(a.state, 'Idle');
    assert.deepEqual(seen, ['socketError ECONNRESET current=true', 'down: connection error: read ECONNRESET', 'socketError ECONNRESET current=false']);
    assert.ok(logged.includes('bgpSocketError: read ECONNRESET'), logged.join('\n'));
    assert.ok(logged.includes('bgpSessionIdle: Established → Idle: connection error: read ECONNRESET'), logged.join('\n'));
  });

  it('a socket factory that throws is a failed connection with its reason, not a silent one', async () => {
    const logged: string[] = [];
    const seen: string[] = [];
    const a = new BgpSession({
      config: { ...defaultSessionConfig, localAs: 64512, routerId: parseBgpId('198.51.100.1'), peerAs: 64513 },
      peerAddress: '198.51.100.2', clock: new FakeClock(),
      logger: { debug: (o, m) => logged.push(`${(o as { event: string }).event}: ${m}`), info: () => undefined, warn: () => undefined },
      connect: () => {
        throw Object.assign(new Error('bind EADDRNOTAVAIL 198.51.100.9'), { code: 'EADDRNOTAVAIL' });
      },
    });
    a.on('socketError', ({ code, message, current }) => seen.push(`${code} ${message} ${current}`));
    a.start();
    await flush();
    assert.equal(a.state, 'Active');
    assert.deepEqual(seen, ['EADDRNOTAVAIL bind EADDRNOTAVAIL 198.51.100.9 true']);
    assert.ok(logged.includes('bgpConnectFailed: TCP connection failed (attempt 1): bind EADDRNOTAVAIL 198.51.100.9'), logged.join('\n'));
  });
});
