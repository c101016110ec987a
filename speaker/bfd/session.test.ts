import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../lib/time/index.ts';
import { BfdStats } from './metrics.ts';
import type { BfdState, ControlPacket } from './packet.ts';
import { toSessionConfig } from './profile.ts';
import { BfdSession } from './session.ts';
import type { BfdSender } from './transport.ts';

const LOCAL = 0x1111;
const REMOTE = 0x2222;

/** A packet from the peer at 300 ms × 3. */
function remote(state: BfdState, extra: Partial<ControlPacket> = {}): ControlPacket {
  return {
    diag: 0, state, poll: false, final: false, controlPlaneIndependent: false, demand: false, detectMult: 3,
    myDiscriminator: REMOTE, yourDiscriminator: state === 'Down' ? 0 : LOCAL,
    desiredMinTxUs: 300_000, requiredMinRxUs: 300_000, requiredMinEchoRxUs: 0, ...extra,
  };
}

/**
 * An Up session on a fake clock whose "after pending I/O" callbacks run only when the test says
 * (the check phase of a loop turn); `turn(ms)` is a loop that is never held.
 */
function upSession() {
  const clock = new FakeClock(1_000);
  const deferred: (() => void)[] = [];
  const sender = { send: () => undefined } as unknown as BfdSender;
  const session = new BfdSession(
    { peer: '198.51.100.2', local: '198.51.100.1', remotePort: 3784, localDiscr: LOCAL, config: toSessionConfig({ receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3 }), minRxTtl: 255 },
    { sender, stats: new BfdStats(), logger: undefined, clock, random: () => 0.5, afterPendingIo: (fn) => void deferred.push(fn) },
  );
  const changes: string[] = [];
  session.on('stateChange', (c) => changes.push(`${c.from}→${c.to}/${c.diag}`));
  session.start();
  session.receive(remote('Down'));
  session.receive(remote('Up'));
  session.receive(remote('Up', { final: true }));
  assert.equal(session.state, 'Up');
  /** The check phase: what was deferred runs (and may defer again, for the next turn). */
  const check = () => {
    for (const fn of deferred.splice(0)) fn();
  };
  const turn = (ms: number) => {
    for (let i = 0; i < ms; i++) {
      clock.advance(1);
      check();
    }
  };
  return { session, clock, deferred, changes, check, turn };
}

test('a deadline that fired just before a held loop turn waits for the next poll phase: the packet that queued meanwhile keeps the session Up', () => {
  const { session, clock, deferred, changes, check, turn } = upSession();
  turn(899); // the peer goes quiet for just under the detection time (3 × 300 ms)
  clock.advance(2); // the detection deadline passes: its judging waits for the check phase
  assert.equal(deferred.length, 1);
  clock.advance(600); // a long I/O callback in the same turn; the peer's packet waits in the socket
  check(); // the turn was held: judged again after one more poll phase, not now
  assert.equal(session.state, 'Up');
  assert.equal(deferred.length, 1);
  session.receive(remote('Up')); // that poll phase reads the packet
  check();
  assert.equal(session.state, 'Up', 'the peer was alive: its packet was waiting');
  assert.deepEqual(changes.filter((c) => c.startsWith('Up→')), []);
});

test('real silence is still declared: after a held turn with nothing waiting, and when every turn is held', () => {
  const quiet = upSession();
  quiet.turn(901);
  quiet.clock.advance(600);
  quiet.check(); // deferred once more
  quiet.check(); // nothing came: Down, detection time expired
  assert.deepEqual(quiet.changes.filter((c) => c.startsWith('Up→')), ['Up→Down/1']);

  const held = upSession();
  held.turn(899);
  held.clock.advance(2);
  for (let i = 0; i < 3; i++) {
    held.clock.advance(50); // every turn held: deferred at most three times
    held.check();
    assert.equal(held.session.state, 'Up');
  }
  held.clock.advance(50);
  held.check();
  assert.equal(held.session.state, 'Down', 'judged after three deferrals however long the turns');
});
