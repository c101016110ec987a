import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BfdState, ControlPacket } from './packet.ts';
import type { BFDProfileSpec } from '../../lib/config/index.ts';
import { toSessionConfig } from './profile.ts';
import { initialSessionState, remoteDetectionTimeMs, step, type SessionFsmAction, type SessionFsmEvent, type SessionFsmState } from './session-fsm.ts';

const LOCAL = 0x1111;
const REMOTE = 0x2222;
const at = (now: number, r = 0.5) => ({ now, random: () => r });

function fresh(profile: BFDProfileSpec = {}, now = 0): SessionFsmState {
  return initialSessionState({ localDiscr: LOCAL, config: toSessionConfig(profile), minRxTtl: 255, now });
}

/** A packet from the remote (FRR-like: 300 ms intervals, multiplier 3). */
function remote(state: BfdState, extra: Partial<ControlPacket> = {}): ControlPacket {
  return {
    diag: 0,
    state,
    poll: false,
    final: false,
    controlPlaneIndependent: false,
    demand: false,
    detectMult: 3,
    myDiscriminator: REMOTE,
    yourDiscriminator: state === 'Down' || state === 'AdminDown' ? 0 : LOCAL,
    desiredMinTxUs: 300_000,
    requiredMinRxUs: 300_000,
    requiredMinEchoRxUs: 0,
    ...extra,
  };
}

const rx = (packet: ControlPacket, ttl?: number): SessionFsmEvent => ({ type: 'received', packet, ttl });
const sends = (actions: SessionFsmAction[]) => actions.flatMap((a) => (a.type === 'send' ? [a.packet] : []));
const changes = (actions: SessionFsmAction[]) => actions.flatMap((a) => (a.type === 'stateChange' ? [`${a.from}→${a.to}/${a.diag}`] : []));

/** Down → Init → Up through the three-way handshake, then the remote confirms our poll. */
function upSession(profile: BFDProfileSpec = {}, now = 10): SessionFsmState {
  let s = step(fresh(profile), rx(remote('Down')), at(now)).state;
  s = step(s, rx(remote('Up')), at(now)).state;
  return step(s, rx(remote('Up', { final: true })), at(now)).state;
}

test('three-way handshake: Down →(Down) Init →(Up) Up, with the slow rate until Up', () => {
  let s = fresh();
  assert.equal(s.state, 'Down');
  assert.equal(s.advertised.desiredMinTxUs, 1_000_000, 'not Up: DesiredMinTx ≥ 1 s (§6.8.3)');
  const first = step(s, { type: 'timer' }, at(0));
  assert.equal(sends(first.actions)[0]?.yourDiscriminator, 0);
  s = first.state;

  const init = step(s, rx(remote('Down')), at(5));
  assert.deepEqual(changes(init.actions), ['Down→Init/0']);
  assert.equal(init.state.remote.discriminator, REMOTE);
  const up = step(init.state, rx(remote('Up')), at(10));
  assert.deepEqual(changes(up.actions), ['Init→Up/0']);
  assert.equal(up.state.advertised.desiredMinTxUs, 300_000, 'Up: the configured rate');
  const [sent] = sends(up.actions);
  assert.ok(sent?.poll && sent.state === 'Up' && sent.yourDiscriminator === REMOTE, 'the faster rate starts with a Poll at once');
});

test('state transition table (RFC 5880 §6.8.6)', () => {
  const rows: Array<[BfdState, BfdState, string[]]> = [
    ['Down', 'Down', ['Down→Init/0']],
    ['Down', 'Init', ['Down→Up/0']],
    ['Down', 'Up', []],
    ['Down', 'AdminDown', []],
    ['Init', 'Init', ['Init→Up/0']],
    ['Init', 'Up', ['Init→Up/0']],
    ['Init', 'Down', []],
    ['Init', 'AdminDown', ['Init→Down/3']],
    ['Up', 'Up', []],
    ['Up', 'Init', []],
    ['Up', 'Down', ['Up→Down/3']],
    ['Up', 'AdminDown', ['Up→Down/3']],
  ];
  for (const [from, received, want] of rows) {
    const s: SessionFsmState = { ...fresh(), state: from };
    assert.deepEqual(changes(step(s, rx(remote(received)), at(0)).actions), want, `${from} + ${received}`);
  }
  const admin: SessionFsmState = { ...fresh(), state: 'AdminDown' };
  assert.deepEqual(step(admin, rx(remote('Init')), at(0)).actions.filter((a) => a.type !== 'send'), [], 'AdminDown ignores the peer');
});

test('detection time expiry: Up → Down with diag 1, and the remote is forgotten', () => {
  const s = upSession({}, 1000);
  assert.equal(s.state, 'Up');
  assert.equal(s.detectAt, 1000 + 900, '3 × max(300 ms ours, 300 ms theirs)');
  assert.deepEqual(step(s, { type: 'timer' }, at(1899)).actions.filter((a) => a.type === 'stateChange'), []);
  const down = step(s, { type: 'timer' }, at(1900));
  assert.deepEqual(changes(down.actions), ['Up→Down/1']);
  assert.equal(down.state.remote.discriminator, 0);
  assert.equal(down.state.advertised.desiredMinTxUs, 1_000_000, 'back to the slow rate');
  assert.equal(down.state.polling, false);

  const slower = step(s, rx(remote('Up', { desiredMinTxUs: 500_000, detectMult: 5 })), at(2000)).state;
  assert.equal(slower.detectAt, 2000 + 2500, "remote's multiplier × the remote's slower rate");
});

test('Poll/Final: answer P with F at once; our change while Up polls until F', () => {
  const s = upSession();
  assert.equal(s.polling, false, 'F from the remote ended the poll that going Up started');

  const answered = step(s, rx(remote('Up', { poll: true, requiredMinRxUs: 100_000 })), at(20));
  const [final] = sends(answered.actions);
  assert.ok(final?.final && !final.poll, 'F set, P clear');
  assert.equal(answered.state.remote.minRxUs, 100_000);

  // Slower transmit + faster receive: neither takes effect before the Final.
  const changed = step(s, { type: 'configure', config: toSessionConfig({ transmitInterval: 1000, receiveInterval: 100 }) }, at(30));
  assert.equal(changed.state.polling, true);
  assert.deepEqual(changed.state.advertised, { desiredMinTxUs: 1_000_000, requiredMinRxUs: 100_000 });
  assert.deepEqual(changed.state.effective, { desiredMinTxUs: 300_000, requiredMinRxUs: 300_000 });
  const tick = step({ ...changed.state, txAt: 40 }, { type: 'timer' }, at(40));
  assert.ok(sends(tick.actions)[0]?.poll, 'periodic packets carry P');
  const done = step(tick.state, rx(remote('Up', { final: true })), at(50));
  assert.equal(done.state.polling, false);
  assert.deepEqual(done.state.effective, done.state.advertised);
  assert.ok(done.actions.some((a) => a.type === 'pollComplete'));
  assert.equal(done.state.detectAt, 50 + 900, 'detection time now uses our 100 ms RequiredMinRx (× their 300 ms tx)');
});

test('passive mode: silent until the remote speaks, silent again once it is forgotten', () => {
  let s = fresh({ passiveMode: true });
  assert.equal(s.txAt, undefined);
  assert.deepEqual(step(s, { type: 'timer' }, at(5000)).actions, []);
  const heard = step(s, rx(remote('Down')), at(10));
  const [reply] = sends(heard.actions);
  assert.equal(reply?.state, 'Init', 'replies at once once heard');
  assert.equal(reply.yourDiscriminator, REMOTE);
  s = heard.state;
  const lost = step(s, { type: 'timer' }, at(s.detectAt ?? NaN));
  assert.deepEqual(changes(lost.actions), ['Init→Down/1']);
  assert.equal(lost.state.txAt, undefined);
});

test('jitter: 75–100% of the interval, 75–90% with detect multiplier 1', () => {
  const s = upSession();
  const next = (st: SessionFsmState, r: number) => (step({ ...st, txAt: 100 }, { type: 'timer' }, at(100, r)).state.txAt ?? NaN) - 100;
  assert.equal(next(s, 0), 225);
  assert.ok(next(s, 0.999999) < 300 && next(s, 0.999999) > 299.9);
  const one = upSession({ detectMultiplier: 1 });
  assert.equal(next(one, 0), 225);
  assert.ok(next(one, 0.999999) <= 270);
  for (let i = 0; i < 200; i++) {
    const d = next(s, Math.random());
    assert.ok(d >= 225 && d < 300, String(d));
  }
  const slowPeer = step(s, rx(remote('Up', { requiredMinRxUs: 2_000_000 })), at(0)).state;
  assert.equal(next(slowPeer, 0), 1500, 'interval = max(our DesiredMinTx, their RequiredMinRx)');
});

test('admin down: diag 7 sent at once, adminUp returns to Down', () => {
  const down = step(upSession(), { type: 'adminDown' }, at(100));
  assert.deepEqual(changes(down.actions), ['Up→AdminDown/7']);
  const [p] = sends(down.actions);
  assert.equal(p?.state, 'AdminDown');
  assert.equal(p.diag, 7);
  assert.deepEqual(changes(step(down.state, { type: 'adminUp' }, at(200)).actions), ['AdminDown→Down/0']);
});

test('TTL below the minimum is discarded (GTSM, when the transport knows the TTL)', () => {
  const s = step(fresh(), { type: 'timer' }, at(0)).state;
  const low = step(s, rx(remote('Down'), 254), at(0));
  assert.deepEqual(low.actions.map((a) => a.type), ['discard']);
  assert.equal(step(s, rx(remote('Down'), 255), at(0)).state.state, 'Init');
  const wrongDiscr = step(s, rx(remote('Init', { yourDiscriminator: 99 })), at(0));
  assert.deepEqual(wrongDiscr.actions.map((a) => a.type), ['discard']);
});

test('a remote asking for no packets (RequiredMinRx 0) gets none', () => {
  const s = step(fresh(), rx(remote('Down', { requiredMinRxUs: 0 })), at(0)).state;
  assert.equal(s.txAt, undefined);
});

test('remoteDetectionTimeMs: our Detect Mult × the interval we transmit at, the slower of our DesiredMinTx and its RequiredMinRx', () => {
  const s = fresh({ transmitInterval: 300, receiveInterval: 300, detectMultiplier: 3 });
  const up = (remoteMinRxUs: number): SessionFsmState => ({ ...s, effective: { desiredMinTxUs: 300_000, requiredMinRxUs: 300_000 }, remote: { ...s.remote, minRxUs: remoteMinRxUs } });
  assert.equal(remoteDetectionTimeMs(up(100_000)), 900);
  assert.equal(remoteDetectionTimeMs(up(600_000)), 1800, 'a router that asks for a slower interval waits longer');
});
