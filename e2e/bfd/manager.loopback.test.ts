// Two BfdManagers in one process over real UDP on 127.0.0.1 ↔ 127.0.0.2 (no root): each
// listens on its own free port instead of 3784, which a namespace can bind only once.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { waitFor } from '../wait.ts';
import { BfdManager } from '../../speaker/bfd/manager.ts';
import { BfdStats } from '../../speaker/bfd/metrics.ts';
import { encodeControlPacket } from '../../speaker/bfd/packet.ts';
import type { BfdSession, StateChange } from '../../speaker/bfd/session.ts';

const A = '127.0.0.1';
const B = '127.0.0.2';
const FAST = { transmitInterval: 50, receiveInterval: 50, detectMultiplier: 3 };

function record(session: BfdSession): StateChange[] {
  const seen: StateChange[] = [];
  session.on('stateChange', (c) => seen.push(c));
  return seen;
}

async function pair(t: { after: (fn: () => Promise<void>) => void }) {
  const registry = new Registry();
  const a = new BfdManager({ port: 0, stats: new BfdStats(registry) });
  const b = new BfdManager({ port: 0 });
  t.after(async () => {
    await a.close({ silently: true });
    await b.close({ silently: true });
  });
  const [portA, portB] = [await a.listenPort(4), await b.listenPort(4)];
  return { a, b, portA, portB, registry };
}

test('two managers come Up, poll a profile change, and count malformed packets without harm', async (t) => {
  const { a, b, portA, portB, registry } = await pair(t);
  const sa = await a.addSession({ peer: B, local: A, remotePort: portB, profile: FAST });
  const sb = await b.addSession({ peer: A, local: B, remotePort: portA, profile: { ...FAST, passiveMode: true } });
  const started = performance.now();
  await waitFor(() => sa.state === 'Up' && sb.state === 'Up', { timeoutMs: 5000, what: 'both sessions Up' });
  t.diagnostic(`Up after ${Math.round(performance.now() - started)} ms (slow 1 s rate until Up)`);
  assert.equal(sa.remoteDiscriminator, sb.localDiscriminator);
  assert.ok(sa.snapshot.remote.desiredMinTxUs === 50_000 || sb.snapshot.polling);

  a.updateProfile(sa, { transmitInterval: 120, receiveInterval: 80, detectMultiplier: 4 });
  assert.equal(sa.snapshot.polling, true);
  await waitFor(() => !sa.snapshot.polling && sb.snapshot.remote.desiredMinTxUs === 120_000, { what: 'poll answered' });
  assert.equal(sb.snapshot.remote.minRxUs, 80_000);
  assert.equal(sb.snapshot.remote.detectMult, 4);

  const junk = createSocket('udp4');
  t.after(() => junk.close());
  await new Promise<void>((r) => junk.bind(0, B, r));
  const good = encodeControlPacket({
    ...{ diag: 0, state: 'Up', poll: false, final: false, controlPlaneIndependent: false, demand: false },
    ...{ detectMult: 3, myDiscriminator: 7, yourDiscriminator: 12345, desiredMinTxUs: 1, requiredMinRxUs: 1, requiredMinEchoRxUs: 0 },
  });
  const datagrams = [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(24), good.subarray(0, 20), good];
  for (const d of datagrams) junk.send(d, portA, A);
  await waitFor(() => [...a.dropped.values()].reduce((x, y) => x + y, 0) === datagrams.length, { what: 'junk counted' });
  assert.equal(a.dropped.get('unknownSession'), 1);
  assert.equal(sa.state, 'Up');

  const metrics = await registry.metrics();
  assert.match(metrics, /portside_bfd_session_up\{peer="127\.0\.0\.2"\} 1/);
  // Up once more than it went down: at 50 ms on a loaded machine the session may drop and come
  // back (detection working as designed); the counters must agree with that history.
  const count = (name: string) => Number(new RegExp(`${name}\\{peer="127\\.0\\.0\\.2"\\} (\\d+)`).exec(metrics)?.[1] ?? NaN);
  assert.equal(count('portside_bfd_session_up_events') - count('portside_bfd_session_down_events'), 1);
  assert.match(metrics, /portside_bfd_control_packet_input\{peer="127\.0\.0\.2"\} [1-9]/);
  assert.match(metrics, /portside_bfd_control_packet_output\{peer="127\.0\.0\.2"\} [1-9]/);
  // FRR's echo counters stay 0 without echo mode, which the native speaker never runs.
  assert.match(metrics, /portside_bfd_echo_packet_input\{peer="127\.0\.0\.2"\} 0/);
  assert.match(metrics, /portside_bfd_echo_packet_output\{peer="127\.0\.0\.2"\} 0/);
});

test('a silent peer is detected (diag 1); a removed one says AdminDown (diag 3 here)', async (t) => {
  const { a, b, portA, portB, registry } = await pair(t);
  const sa = await a.addSession({ peer: B, local: A, remotePort: portB, profile: FAST });
  const changes = record(sa);
  let sb = await b.addSession({ peer: A, local: B, remotePort: portA, profile: FAST });
  await waitFor(() => sa.state === 'Up' && sb.state === 'Up', { timeoutMs: 5000, what: 'Up' });
  await waitFor(() => !sa.snapshot.polling && !sb.snapshot.polling, { what: 'polls done' });

  const down = new Promise<StateChange>((r) => sa.once('down', r));
  const killed = performance.now();
  await sb.close(); // silent: no AdminDown
  const silent = await down;
  const detectMs = performance.now() - killed;
  t.diagnostic(`silent peer detected after ${Math.round(detectMs)} ms at 50 ms × 3`);
  assert.equal(silent.diag, 1);
  assert.ok(detectMs < 1000, `${detectMs} ms`);

  await b.removeSession(sb); // already closed: just forgotten
  sb = await b.addSession({ peer: A, local: B, remotePort: portA, profile: FAST });
  await waitFor(() => sa.state === 'Up' && sb.state === 'Up', { timeoutMs: 5000, what: 'Up again' });
  const down2 = new Promise<StateChange>((r) => sa.once('down', r));
  await b.removeSession(sb);
  assert.equal((await down2).diag, 3, 'neighbor signaled session down');
  assert.equal(sa.snapshot.remote.state, 'AdminDown');
  assert.deepEqual(
    changes.map((c) => `${c.from}→${c.to}/${c.diag}`).filter((c) => c.startsWith('Up')),
    ['Up→Down/1', 'Up→Down/3'],
  );
  const after = await registry.metrics();
  assert.match(after, /portside_bfd_session_down_events\{peer="127\.0\.0\.2"\} 2/);
  // Every state change reached the client (FRR: zebra_notifications).
  assert.match(after, new RegExp(`portside_bfd_client_notifications\\{peer="127\\.0\\.0\\.2"\\} ${changes.length}\\b`));
  assert.ok(changes.length >= 4, changes.map((c) => `${c.from}→${c.to}`).join(' '));
});
