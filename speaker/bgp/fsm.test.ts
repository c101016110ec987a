import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconnectDelay } from './backoff.ts';
import { connectionToClose } from './collision.ts';
import { BgpMessageError } from './errors.ts';
import { initialState, step } from './fsm.ts';
import type { FsmAction, FsmEvent, FsmState, SessionConfig, StepResult } from './fsm-types.ts';
import { defaultSessionConfig } from './fsm-types.ts';
import { parseShutdownCommunication } from './notification.ts';
import { AS_TRANS, parseBgpId } from './open.ts';
import type { OpenMessage } from './open.ts';

const config: SessionConfig = { ...defaultSessionConfig, localAs: 64512, routerId: parseBgpId('198.51.100.1'), peerAs: 64513 };
const peerOpen = (over: Partial<OpenMessage> = {}): OpenMessage => ({
  type: 'open', version: 4, myAs: 64513, holdTime: 90, bgpId: parseBgpId('198.51.100.2'), unknownParameters: [],
  capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'fourOctetAs', asn: 64513 }, { kind: 'routeRefresh' }],
  ...over,
});

function run(state: FsmState, ...events: FsmEvent[]): StepResult {
  let r: StepResult = { state, actions: [] };
  for (const e of events) r = step(Object.freeze(r.state), e); // frozen: step must not mutate
  return r;
}
const idle = (c: Partial<SessionConfig> = {}): FsmState => initialState({ ...config, ...c }, 42);
const openSent = (c: Partial<SessionConfig> = {}): FsmState => run(idle(c), { type: 'ManualStart' }, { type: 'TcpConnectionConfirmed' }).state;
const openConfirm = (c: Partial<SessionConfig> = {}, o: Partial<OpenMessage> = {}): FsmState =>
  run(openSent(c), { type: 'OpenReceived', open: peerOpen(o) }).state;
const established = (c: Partial<SessionConfig> = {}): FsmState => run(openConfirm(c), { type: 'KeepaliveReceived' }).state;

const sent = (actions: FsmAction[]): string[] =>
  actions.flatMap((a) => (a.type !== 'send' ? [] : a.message.type === 'notification' ? [`notification ${a.message.code}/${a.message.subcode}`] : [a.message.type]));
const timers = (actions: FsmAction[]): Record<string, number> =>
  Object.fromEntries(actions.flatMap((a) => (a.type === 'startTimer' ? [[a.timer, a.ms]] : [])));
const has = (actions: FsmAction[], type: FsmAction['type']): boolean => actions.some((a) => a.type === type);

describe('FSM start and connect', () => {
  it('Idle + ManualStart → Connect: connect and a jittered ConnectRetry timer', () => {
    const r = run(idle(), { type: 'ManualStart' });
    assert.equal(r.state.name, 'Connect');
    assert.ok(has(r.actions, 'connect'));
    const t = timers(r.actions).ConnectRetry ?? 0;
    assert.ok(t >= 3750 && t <= 5000, `${t}`);
  });
  it('passive ManualStart → Active without connecting', () => {
    const r = run(idle({ passive: true }), { type: 'ManualStart' });
    assert.equal(r.state.name, 'Active');
    assert.ok(!has(r.actions, 'connect'));
  });
  it('Idle refuses an incoming connection', () => {
    assert.deepEqual(run(idle(), { type: 'TcpConnectionConfirmed' }).actions, [{ type: 'close' }]);
  });
  it('Connect + TcpConnectionConfirmed → OpenSent: sends OPEN, 240 s hold', () => {
    const r = run(idle(), { type: 'ManualStart' }, { type: 'TcpConnectionConfirmed' });
    assert.equal(r.state.name, 'OpenSent');
    assert.deepEqual(sent(r.actions), ['open']);
    assert.equal(timers(r.actions).Hold, 240_000);
  });
  it('failed connects back off exponentially with jitter, capped at maxBackoff', () => {
    let s = run(idle(), { type: 'ManualStart' }).state;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = run(s, { type: 'TcpConnectionFails' });
      assert.equal(r.state.name, 'Active');
      delays.push(timers(r.actions).ConnectRetry ?? 0);
      s = run(r.state, { type: 'TimerExpired', timer: 'ConnectRetry' }).state;
      assert.equal(s.name, 'Connect');
    }
    delays.forEach((d, i) => {
      const base = Math.min(120, 5 * 2 ** i) * 1000;
      assert.ok(d >= base * 0.75 && d <= base, `attempt ${i + 1}: ${d}`);
    });
  });
  it('reconnectDelay is deterministic for a seed', () => {
    assert.deepEqual(reconnectDelay(3, 5, 120, 7), reconnectDelay(3, 5, 120, 7));
    assert.ok(reconnectDelay(30, 5, 120, 7).ms <= 120_000);
  });
});

describe('FSM OPEN handling', () => {
  it('OpenSent + good OPEN → OpenConfirm: KEEPALIVE, negotiated hold and keepalive', () => {
    const r = run(openSent(), { type: 'OpenReceived', open: peerOpen({ holdTime: 30 }) });
    assert.equal(r.state.name, 'OpenConfirm');
    assert.deepEqual(sent(r.actions), ['keepalive']);
    assert.deepEqual(timers(r.actions), { Hold: 30_000, Keepalive: 10_000 });
    assert.equal(r.state.session?.ibgp, false);
    assert.deepEqual(r.state.session?.families, [4]);
  });
  it('hold time 0 from either side disables keepalives and the hold timer', () => {
    const r = run(openSent(), { type: 'OpenReceived', open: peerOpen({ holdTime: 0 }) });
    assert.deepEqual(timers(r.actions), {});
    assert.deepEqual(r.state.session && [r.state.session.holdTime, r.state.session.keepaliveTime], [0, 0]);
  });
  it('a configured keepalive is used, capped at hold/3', () => {
    assert.equal(openConfirm({ keepaliveTime: 5 }).session?.keepaliveTime, 5);
    assert.equal(openConfirm({ keepaliveTime: 60 }).session?.keepaliveTime, 30);
  });
  const rejects: [string, Partial<SessionConfig>, Partial<OpenMessage>, string][] = [
    ['hold time 1', {}, { holdTime: 1 }, 'notification 2/6'],
    ['hold time 2', {}, { holdTime: 2 }, 'notification 2/6'],
    ['a wrong peer AS', {}, { myAs: 64999, capabilities: [{ kind: 'fourOctetAs', asn: 64999 }] }, 'notification 2/2'],
    ['an external AS for dynamicASN internal', { peerAs: 'internal' }, {}, 'notification 2/2'],
    ['our own AS for dynamicASN external', { peerAs: 'external' }, { myAs: 64512, capabilities: [] }, 'notification 2/2'],
    ['BGP identifier 0', {}, { bgpId: 0 }, 'notification 2/3'],
    ['our own identifier over iBGP', { peerAs: 'internal' }, { myAs: 64512, capabilities: [], bgpId: parseBgpId('198.51.100.1') }, 'notification 2/3'],
    ['an unsupported optional parameter', {}, { unknownParameters: [{ type: 1, value: Buffer.alloc(0) }] }, 'notification 2/4'],
  ];
  for (const [what, c, o, notification] of rejects) {
    it(`rejects ${what} with ${notification} and restarts after a backoff`, () => {
      const r = run(openSent(c), { type: 'OpenReceived', open: peerOpen(o) });
      assert.equal(r.state.name, 'Idle');
      assert.deepEqual(sent(r.actions), [notification]);
      assert.ok(has(r.actions, 'close'));
      assert.ok(timers(r.actions).IdleHold);
    });
  }
  it('learns a 4-octet ASN behind AS_TRANS; dynamic external accepts it', () => {
    const s = openConfirm({ peerAs: 'external' }, { myAs: AS_TRANS, capabilities: [{ kind: 'fourOctetAs', asn: 4200000000 }] });
    assert.equal(s.session?.peerAs, 4200000000);
    assert.equal(s.session?.fourOctetAs, true);
  });
  it('dynamic internal marks the session iBGP', () => {
    assert.equal(openConfirm({ peerAs: 'internal' }, { myAs: 64512, capabilities: [] }).session?.ibgp, true);
  });
});

describe('FSM in OpenConfirm and Established', () => {
  it('OpenConfirm + KEEPALIVE → Established, reported once', () => {
    const r = run(openConfirm(), { type: 'KeepaliveReceived' });
    assert.equal(r.state.name, 'Established');
    assert.equal(r.actions.filter((a) => a.type === 'established').length, 1);
    assert.equal(timers(r.actions).Hold, 90_000);
  });
  it('hold timer expiry → NOTIFICATION 4, down, Idle with automatic restart', () => {
    const r = run(established(), { type: 'TimerExpired', timer: 'Hold' });
    assert.equal(r.state.name, 'Idle');
    assert.deepEqual(sent(r.actions), ['notification 4/0']);
    assert.ok(has(r.actions, 'down'));
    const again = run(r.state, { type: 'TimerExpired', timer: 'IdleHold' });
    assert.equal(again.state.name, 'Connect');
  });
  it('keepalive timer sends KEEPALIVE and restarts', () => {
    const r = run(established(), { type: 'TimerExpired', timer: 'Keepalive' });
    assert.deepEqual(sent(r.actions), ['keepalive']);
    assert.equal(timers(r.actions).Keepalive, 30_000);
  });
  it('received UPDATEs and KEEPALIVEs restart the hold timer', () => {
    const u = run(established(), { type: 'UpdateReceived', update: { type: 'update', withdrawn: [], attributes: [], nlri: [] }, errors: [] });
    assert.equal(u.state.name, 'Established');
    assert.equal(timers(u.actions).Hold, 90_000);
  });
  const fsmErrors: [string, () => FsmState, FsmEvent, string][] = [
    ['KEEPALIVE in OpenSent', openSent, { type: 'KeepaliveReceived' }, 'notification 5/1'],
    ['UPDATE in OpenConfirm', openConfirm, { type: 'UpdateReceived', update: { type: 'update', withdrawn: [], attributes: [], nlri: [] }, errors: [] }, 'notification 5/2'],
    ['OPEN in Established', established, { type: 'OpenReceived', open: peerOpen() }, 'notification 5/3'],
  ];
  for (const [what, from, event, notification] of fsmErrors) {
    it(`${what} is an FSM error (${notification})`, () => {
      const r = run(from(), event);
      assert.equal(r.state.name, 'Idle');
      assert.deepEqual(sent(r.actions), [notification]);
    });
  }
  it('a decode error sends its own NOTIFICATION', () => {
    const r = run(established(), { type: 'MessageError', error: new BgpMessageError(3, 11) });
    assert.deepEqual(sent(r.actions), ['notification 3/11']);
  });
  it('a received NOTIFICATION goes down without answering', () => {
    const r = run(established(), { type: 'NotificationReceived', notification: { type: 'notification', code: 6, subcode: 2, data: Buffer.alloc(0) } });
    assert.deepEqual(sent(r.actions), []);
    assert.ok(r.actions.some((a) => a.type === 'down' && a.reason.includes('Administrative Shutdown')));
  });
  it('ManualStop sends Cease/2 with the shutdown message and stays down', () => {
    const r = run(established(), { type: 'ManualStop', message: 'node drained' });
    const n = r.actions.find((a) => a.type === 'send');
    assert.ok(n?.type === 'send' && n.message.type === 'notification');
    assert.equal(parseShutdownCommunication(n.message), 'node drained');
    assert.equal(timers(r.actions).IdleHold, undefined);
    assert.deepEqual(run(r.state, { type: 'TimerExpired', timer: 'IdleHold' }).state.name, 'Idle');
  });
  it('CollisionDump sends Cease/7', () => {
    assert.deepEqual(sent(run(openConfirm(), { type: 'CollisionDump' }).actions), ['notification 6/7']);
  });
  it('ROUTE-REFRESH asks the session to resend', () => {
    const r = run(established(), { type: 'RouteRefreshReceived', refresh: { type: 'routeRefresh', afi: 1, safi: 1, subtype: 0 } });
    assert.ok(r.actions.some((a) => a.type === 'routeRefreshRequested' && a.afi === 1));
  });
  it('TCP failure in OpenSent falls back to Active with a retry timer', () => {
    const r = run(openSent(), { type: 'TcpConnectionFails' });
    assert.equal(r.state.name, 'Active');
    assert.ok(timers(r.actions).ConnectRetry);
  });
  it("a socket's error reaches the log and the down reason; a plain close says so", () => {
    const logOf = (actions: FsmAction[]) => actions.flatMap((a) => (a.type === 'log' ? [`${a.event}: ${a.message}`] : []));
    const connecting = run(run(idle(), { type: 'ManualStart' }).state, { type: 'TcpConnectionFails', error: 'connect ECONNREFUSED 198.51.100.2:179' });
    assert.deepEqual(logOf(connecting.actions), ['bgpConnectFailed: TCP connection failed (attempt 1): connect ECONNREFUSED 198.51.100.2:179']);
    const opening = run(openSent(), { type: 'TcpConnectionFails', error: 'read ECONNRESET' });
    assert.deepEqual(logOf(opening.actions), ['bgpConnectFailed: TCP connection failed (attempt 1): read ECONNRESET']);
    const reset = run(established(), { type: 'TcpConnectionFails', error: 'read ECONNRESET' });
    assert.deepEqual(reset.actions.filter((a) => a.type === 'down'), [{ type: 'down', reason: 'connection error: read ECONNRESET' }]);
    assert.deepEqual(logOf(reset.actions), ['bgpSessionIdle: Established → Idle: connection error: read ECONNRESET']);
    const closed = run(established(), { type: 'TcpConnectionFails' });
    assert.deepEqual(closed.actions.filter((a) => a.type === 'down'), [{ type: 'down', reason: 'connection closed' }]);
  });
});

describe('collision resolution (RFC 4271 §6.8)', () => {
  const out = { origin: 'outgoing' as const, state: 'OpenConfirm' as const };
  const inc = { origin: 'incoming' as const, state: 'OpenConfirm' as const };
  it('the lower identifier closes the connection it opened', () => {
    assert.equal(connectionToClose(1, 2, out, inc), 'a'); // we are lower: close our outgoing
    assert.equal(connectionToClose(2, 1, out, inc), 'b'); // we are higher: close the incoming
    assert.equal(connectionToClose(0xfffffffe, 0x7fffffff, inc, out), 'a'); // unsigned comparison
  });
  it('an Established connection survives', () => {
    assert.equal(connectionToClose(1, 2, { ...out, state: 'Established' }, inc), 'b');
  });
});
