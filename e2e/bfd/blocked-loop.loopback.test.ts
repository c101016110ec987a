// BFD on an event loop that is busy: a speaker's loop can be held for a few hundred ms by its
// own work (a large informer list parsed in an I/O callback). Its peer's packets wait in the
// socket meanwhile; when the loop is free the session must read them before it judges the
// detection time, or it declares a live peer dead (Node runs the timers phase before the poll
// phase). Real UDP on 127.0.0.1 ↔ 127.0.0.2: our manager here, the peer in a worker thread
// (its loop keeps running), our detection time 3 × 50 ms, the peer's of us 3 × 1 s.
import assert from 'node:assert/strict';
import { stat } from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { BfdManager } from '../../speaker/bfd/manager.ts';
import { BfdStats } from '../../speaker/bfd/metrics.ts';
import type { StateChange } from '../../speaker/bfd/session.ts';
import { waitFor } from '../wait.ts';

const OURS = '127.0.0.1';
const THEIRS = '127.0.0.2';
const ROUNDS = 5;
/** Packets read in the loop turn after a Down that make it false (the bug left 6–17 waiting after a 600 ms hold). */
const WAITING = 3;

/** Counts the packets sessions accepted. */
class CountingStats extends BfdStats {
  received = 0;
  override controlPacketInput(peer: string): void {
    this.received++;
    super.controlPacketInput(peer);
  }
}

/** Holds this thread for `ms` inside an I/O callback (the poll phase), as a big JSON parse would. */
function holdLoopInIoCallback(ms: number, then: () => void): Promise<void> {
  return new Promise((resolve) => stat(import.meta.filename, () => {
    const until = performance.now() + ms;
    while (performance.now() < until) { /* busy */ }
    then();
    resolve();
  }));
}

/** Packets read in the next full loop turn (its poll phase) after this call: what was waiting in the socket. */
function waitingNow(stats: CountingStats): Promise<number> {
  const base = stats.received;
  return new Promise((resolve) => setImmediate(() => setImmediate(() => resolve(stats.received - base))));
}

test('a loop held for 4× the detection time: the packets that queued meanwhile are read before the detection timer is judged', async (t) => {
  const stats = new CountingStats();
  const ours = new BfdManager({ port: 0, stats });
  t.after(() => ours.close({ silently: true }));
  const worker = new Worker(new URL('./blocked-loop-peer.ts', import.meta.url), {
    workerData: { peer: OURS, local: THEIRS, peerPort: await ours.listenPort(4), profile: { transmitInterval: 50, receiveInterval: 1000, detectMultiplier: 3 } },
  });
  t.after(async () => {
    worker.postMessage({ close: true });
    await new Promise((r) => worker.once('exit', r));
  });
  const messages: Array<{ port?: number }> = [];
  /** When the peer sent each packet (its own clock reading, Date.now: shared by the threads). */
  const sends: number[] = [];
  worker.on('message', (m: { port?: number; sent?: number }) => (m.sent !== undefined ? sends.push(m.sent) : messages.push(m)));
  const theirPort = await waitFor(() => messages.find((m) => m.port)?.port, { what: 'the peer listening' });
  const session = await ours.addSession({ peer: THEIRS, local: OURS, remotePort: theirPort, profile: { transmitInterval: 1000, receiveInterval: 50, detectMultiplier: 3 } });
  await waitFor(() => session.state === 'Up' && !session.snapshot.polling && session.snapshot.remote.desiredMinTxUs === 50_000, { timeoutMs: 10_000, what: 'Up at the peer\'s 50 ms' });
  const detectMs = (session.snapshot.remote.detectMult * Math.max(session.snapshot.effective.requiredMinRxUs, session.snapshot.remote.desiredMinTxUs)) / 1000;
  assert.equal(detectMs, 150);

  // Every Up → Down: when, and how many of the peer's packets we had accepted by then.
  const downs: Array<{ change: StateChange; at: number; received: number }> = [];
  session.on('stateChange', (change) => {
    if (change.from === 'Up') downs.push({ change, at: Date.now(), received: stats.received });
  });
  let exercised = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await waitFor(() => session.state === 'Up', { timeoutMs: 10_000, what: `Up before round ${round}` });
    const before = downs.length;
    // The round's baseline: packets the peer sent from here on, against those we accept.
    const roundStart = Date.now();
    const receivedAtStart = stats.received;
    let queued: Promise<number> = Promise.resolve(0);
    await holdLoopInIoCallback(4 * detectMs, () => (queued = waitingNow(stats)));
    const waiting = await queued;
    const until = performance.now() + 2 * detectMs;
    await waitFor(() => performance.now() >= until, { intervalMs: 10, what: 'two detection times after the hold' });
    // The case under test: the peer's packets queued while we were held (a starved worker may not send).
    if (waiting >= WAITING) exercised++;
    // Packets the peer had sent (1 ms before, loopback delivery is at once) and we had not read when
    // each Down was declared: waiting in our socket. The peer's reports of its sends come by message,
    // so wait until one is later than the last Down.
    const roundDowns = downs.slice(before);
    const lastDown = roundDowns.at(-1)?.at ?? 0;
    await waitFor(() => sends.some((s) => s > lastDown), { timeoutMs: 10_000, intervalMs: 10, what: 'the peer\'s send reports past the last Down' });
    const declared = roundDowns.map((d) => sends.filter((s) => s >= roundStart && s < d.at - 1).length - (d.received - receivedAtStart));
    t.diagnostic(`round ${round}: ${waiting} packets waiting after the hold; Downs with [${declared.join(', ')}] packets waiting`);
    // A Down is false when the peer's packets were already there to read. (A Down with nothing
    // waiting is a real silence: on a loaded machine the worker itself can go unscheduled.)
    for (const [i, n] of declared.entries()) {
      assert.ok(n < WAITING, `round ${round}: Down (${roundDowns[i]!.change.diagName}) declared with ${n} packets waiting in the socket`);
    }
  }
  assert.ok(exercised >= 1, `no round had the peer's packets queue during the hold (a starved machine?)`);
});
