import { jitter, reconnectDelay } from './backoff.ts';
import { CeaseSubcode, ErrorCode, FsmSubcode, OpenSubcode } from './errors.ts';
import type { BgpMessageError } from './errors.ts';
import type { FsmAction, FsmEvent, FsmState, SessionConfig, StepResult, TimerName } from './fsm-types.ts';
import { buildOpen, negotiate } from './negotiate.ts';
import { describeNotification, shutdownCommunication } from './notification.ts';
import type { NotificationMessage } from './notification.ts';

// The BGP finite state machine of RFC 4271 §8 as a pure function. One FSM drives one TCP
// connection; the session owns sockets and timers and carries out the returned actions.

const OPEN_SENT_HOLD_MS = 240_000; // RFC 4271 §8.2.2: "a large value", suggested 4 minutes

export function initialState(config: SessionConfig, seed: number): FsmState {
  return { name: 'Idle', config, connectRetryCounter: 0, autoRestart: false, seed: seed >>> 0 };
}

const startTimer = (timer: TimerName, ms: number): FsmAction => ({ type: 'startTimer', timer, ms });
const stopTimer = (timer: TimerName): FsmAction => ({ type: 'stopTimer', timer });
const log = (level: 'debug' | 'info' | 'warn', event: string, message: string): FsmAction => ({ type: 'log', level, event, message });
const notification = (code: number, subcode: number, data: Buffer = Buffer.alloc(0)): NotificationMessage => ({ type: 'notification', code, subcode, data });
const fromError = (e: BgpMessageError): NotificationMessage => notification(e.code, e.subcode, e.data);

interface IdleOptions {
  reason: string;
  send?: NotificationMessage;
  increment?: boolean; // ConnectRetryCounter += 1 (default true)
  stop?: boolean; // ManualStop: no automatic restart, counter reset
}

/** Drops the connection and goes to Idle; unless stopped, restarts after a backoff (IdleHold). */
function toIdle(state: FsmState, opts: IdleOptions): StepResult {
  const actions: FsmAction[] = [];
  if (opts.send) actions.push({ type: 'send', message: opts.send });
  actions.push({ type: 'close' }, stopTimer('ConnectRetry'), stopTimer('Hold'), stopTimer('Keepalive'));
  if (state.name === 'Established') actions.push({ type: 'down', reason: opts.reason });
  actions.push(log(opts.stop ? 'info' : 'warn', 'bgpSessionIdle', `${state.name} → Idle: ${opts.reason}`));
  const counter = opts.stop ? 0 : state.connectRetryCounter + (opts.increment === false ? 0 : 1);
  const autoRestart = opts.stop ? false : state.autoRestart;
  let seed = state.seed;
  if (autoRestart) {
    const d = reconnectDelay(Math.max(counter, 1), state.config.connectTime, state.config.maxBackoff, seed);
    seed = d.seed;
    actions.push(startTimer('IdleHold', d.ms));
  }
  const next: FsmState = { ...state, name: 'Idle', connectRetryCounter: counter, autoRestart, seed };
  delete next.session;
  return { state: next, actions };
}

/** ManualStart or automatic restart: connect (active) or wait for the peer (passive). */
function start(state: FsmState): StepResult {
  if (state.config.passive) return { state: { ...state, name: 'Active' }, actions: [stopTimer('IdleHold')] };
  const t = jitter(state.config.connectTime * 1000, state.seed);
  return {
    state: { ...state, name: 'Connect', seed: t.seed },
    actions: [stopTimer('IdleHold'), { type: 'connect' }, startTimer('ConnectRetry', t.ms)],
  };
}

function sendOpen(state: FsmState): StepResult {
  return {
    state: { ...state, name: 'OpenSent' },
    actions: [stopTimer('ConnectRetry'), { type: 'send', message: buildOpen(state.config) }, startTimer('Hold', OPEN_SENT_HOLD_MS)],
  };
}

/** Connect/Active after a failed TCP attempt: retry after the backoff, listening meanwhile. */
function retryLater(state: FsmState, error: string | undefined): StepResult {
  const counter = state.connectRetryCounter + 1;
  const why = error === undefined ? '' : `: ${error}`;
  const actions: FsmAction[] = [{ type: 'close' }, log('debug', 'bgpConnectFailed', `TCP connection failed (attempt ${counter})${why}`)];
  let seed = state.seed;
  if (!state.config.passive) {
    const d = reconnectDelay(counter, state.config.connectTime, state.config.maxBackoff, seed);
    seed = d.seed;
    actions.push(startTimer('ConnectRetry', d.ms));
  }
  return { state: { ...state, name: 'Active', connectRetryCounter: counter, seed }, actions };
}

function holdRestart(state: FsmState): FsmAction[] {
  const hold = state.session?.holdTime ?? 0;
  return hold > 0 ? [startTimer('Hold', hold * 1000)] : [];
}

function keepaliveTick(state: FsmState): StepResult {
  const ka = state.session?.keepaliveTime ?? 0;
  const actions: FsmAction[] = [{ type: 'send', message: { type: 'keepalive' } }];
  if (ka > 0) actions.push(startTimer('Keepalive', ka * 1000));
  return { state, actions };
}

const unchanged = (state: FsmState, actions: FsmAction[] = []): StepResult => ({ state, actions });

/** Events every connected state (OpenSent, OpenConfirm, Established) handles alike. */
function connectedCommon(state: FsmState, event: FsmEvent): StepResult | undefined {
  switch (event.type) {
    case 'ManualStop': {
      // RFC 4724: a restarting speaker closes without a NOTIFICATION so the peer keeps our routes (stale).
      if (event.silent) return toIdle(state, { reason: 'stopped for a graceful restart', stop: true });
      const data = event.message === undefined ? undefined : shutdownCommunication(event.message);
      return toIdle(state, { reason: 'stopped', stop: true, send: notification(ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown, data) });
    }
    case 'PeerUnreachable':
      // RFC 5882 §4.3: reset now, restart with the usual backoff.
      return toIdle(state, { reason: event.reason, send: notification(ErrorCode.Cease, CeaseSubcode.AdministrativeReset, shutdownCommunication(event.reason)) });
    case 'TimerExpired':
      if (event.timer === 'Hold') return toIdle(state, { reason: 'hold timer expired', send: notification(ErrorCode.HoldTimerExpired, 0) });
      if (event.timer === 'Keepalive' && state.name !== 'OpenSent') return keepaliveTick(state);
      return unchanged(state); // a stale timer
    case 'TcpConnectionFails':
      return toIdle(state, { reason: event.error === undefined ? 'connection closed' : `connection error: ${event.error}` });
    case 'NotificationReceived': {
      const n = event.notification;
      // RFC 4271 §8.2.2: a version mismatch in OpenSent does not count as a failure.
      const versionError = n.code === ErrorCode.Open && n.subcode === OpenSubcode.UnsupportedVersion && state.name === 'OpenSent';
      return toIdle(state, { reason: `notification received: ${describeNotification(n)}`, increment: !versionError });
    }
    case 'MessageError':
      return toIdle(state, { reason: `bad message: ${event.error.message}`, send: fromError(event.error) });
    case 'CollisionDump':
      return toIdle(state, { reason: 'connection collision', send: notification(ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution) });
    case 'ManualStart':
    case 'TcpConnectionConfirmed':
      return unchanged(state);
    default:
      return undefined;
  }
}

function fsmError(state: FsmState, subcode: number, what: string): StepResult {
  return toIdle(state, { reason: `unexpected ${what} in ${state.name}`, send: notification(ErrorCode.Fsm, subcode) });
}

function idle(state: FsmState, event: FsmEvent): StepResult {
  if (event.type === 'ManualStart') return start({ ...state, connectRetryCounter: 0, autoRestart: true });
  if (event.type === 'TimerExpired' && event.timer === 'IdleHold' && state.autoRestart) return start(state);
  if (event.type === 'TcpConnectionConfirmed') return unchanged(state, [{ type: 'close' }]); // Idle refuses connections
  return unchanged(state);
}

function connectOrActive(state: FsmState, event: FsmEvent): StepResult {
  switch (event.type) {
    case 'ManualStop':
      return toIdle(state, { reason: 'stopped', stop: true });
    case 'ManualStart':
    case 'PeerUnreachable': // nothing to tear down yet
      return unchanged(state);
    case 'TimerExpired': {
      if (event.timer !== 'ConnectRetry' || state.config.passive) return unchanged(state);
      const t = jitter(state.config.connectTime * 1000, state.seed);
      const actions: FsmAction[] = [{ type: 'close' }, { type: 'connect' }, startTimer('ConnectRetry', t.ms)];
      return { state: { ...state, name: 'Connect', seed: t.seed }, actions };
    }
    case 'TcpConnectionConfirmed':
      return sendOpen(state);
    case 'TcpConnectionFails':
      return retryLater(state, event.error);
    default:
      return toIdle(state, { reason: `unexpected ${event.type} in ${state.name}` });
  }
}

function openSent(state: FsmState, event: FsmEvent): StepResult {
  if (event.type === 'TcpConnectionFails') return retryLater({ ...state, name: 'Active' }, event.error);
  const common = connectedCommon(state, event);
  if (common) return common;
  if (event.type !== 'OpenReceived') return fsmError(state, FsmSubcode.UnexpectedInOpenSent, event.type);
  const result = negotiate(state.config, event.open);
  if (!result.ok) return toIdle(state, { reason: `OPEN rejected: ${result.error.message}`, send: fromError(result.error) });
  const { session } = result;
  const actions: FsmAction[] = [{ type: 'send', message: { type: 'keepalive' } }];
  if (session.holdTime > 0) {
    actions.push(startTimer('Hold', session.holdTime * 1000), startTimer('Keepalive', session.keepaliveTime * 1000));
  } else {
    actions.push(stopTimer('Hold'));
  }
  return { state: { ...state, name: 'OpenConfirm', session }, actions };
}

function openConfirm(state: FsmState, event: FsmEvent): StepResult {
  const common = connectedCommon(state, event);
  if (common) return common;
  if (event.type !== 'KeepaliveReceived' || !state.session) return fsmError(state, FsmSubcode.UnexpectedInOpenConfirm, event.type);
  const actions: FsmAction[] = [
    ...holdRestart(state),
    { type: 'established', session: state.session },
    log('info', 'bgpSessionEstablished', `established with AS ${state.session.peerAs}`),
  ];
  return { state: { ...state, name: 'Established', connectRetryCounter: 0 }, actions };
}

function established(state: FsmState, event: FsmEvent): StepResult {
  const common = connectedCommon(state, event);
  if (common) return common;
  switch (event.type) {
    case 'KeepaliveReceived':
      return unchanged(state, holdRestart(state));
    case 'UpdateReceived': {
      const logs = event.errors.map((e) => log('warn', 'bgpUpdateError', `${e.action}: ${e.error.message}`));
      return unchanged(state, [...holdRestart(state), ...logs]);
    }
    case 'RouteRefreshReceived':
      return unchanged(state, [...holdRestart(state), { type: 'routeRefreshRequested', afi: event.refresh.afi, safi: event.refresh.safi }]);
    default:
      return fsmError(state, FsmSubcode.UnexpectedInEstablished, event.type);
  }
}

/** One FSM transition: pure, so every path is a table test. */
export function step(state: FsmState, event: FsmEvent): StepResult {
  switch (state.name) {
    case 'Idle':
      return idle(state, event);
    case 'Connect':
    case 'Active':
      return connectOrActive(state, event);
    case 'OpenSent':
      return openSent(state, event);
    case 'OpenConfirm':
      return openConfirm(state, event);
    case 'Established':
      return established(state, event);
  }
}
