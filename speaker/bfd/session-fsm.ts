// The BFD session state machine (RFC 5880 §6.2, §6.8; asynchronous mode, no echo, no
// demand, no auth) as a pure function: step(state, event, ctx) → { state, actions }.
// Time and randomness come in through `ctx`; the state holds absolute deadlines (ms) for
// the next transmission and for detection, and the driver wakes at nextWakeup().
import { Diag, type BfdState, type ControlPacket, type DiagCode } from './packet.ts';
import type { BfdSessionConfig } from './profile.ts';
import {
  advertisedIntervals,
  detectionTimeUs,
  intervalsDuringPoll,
  jitteredIntervalMs,
  sameIntervals,
  transmitIntervalUs,
  type Intervals,
} from './timing.ts';

/** What we last heard from the remote system (bfd.Remote* of §6.8.1). */
export interface RemoteValues {
  discriminator: number; // 0: never heard, or detection time expired
  state: BfdState;
  demand: boolean;
  minRxUs: number; // bfd.RemoteMinRxInterval; 0 = the remote wants no packets
  desiredMinTxUs: number;
  detectMult: number;
}

export interface SessionFsmState {
  state: BfdState;
  diag: DiagCode;
  localDiscr: number;
  config: BfdSessionConfig;
  /** The intervals in our packets (bfd.DesiredMinTxInterval, bfd.RequiredMinRxInterval). */
  advertised: Intervals;
  /** The intervals we time ourselves by; differ from `advertised` only while polling. */
  effective: Intervals;
  /** A Poll Sequence is running: our packets carry P until one with F arrives. */
  polling: boolean;
  remote: RemoteValues;
  /** Received packets with a lower TTL are discarded (when the transport can tell the TTL). */
  minRxTtl: number;
  txAt: number | undefined; // ms; undefined = not transmitting
  detectAt: number | undefined; // ms
}

export type SessionFsmEvent =
  | { type: 'received'; packet: ControlPacket; ttl?: number }
  | { type: 'timer' } // a deadline may have passed; step compares it with ctx.now
  | { type: 'adminDown' }
  | { type: 'adminUp' }
  | { type: 'configure'; config: BfdSessionConfig };

export type SessionFsmAction =
  | { type: 'send'; packet: ControlPacket }
  | { type: 'stateChange'; from: BfdState; to: BfdState; diag: DiagCode }
  | { type: 'pollComplete' }
  | { type: 'discard'; reason: string };

/** What step() reads of the outside world: the time of the event and a source of jitter. */
export interface StepContext {
  now: number; // ms, monotonic
  random: () => number; // [0, 1)
}

export interface StepResult {
  state: SessionFsmState;
  actions: SessionFsmAction[];
}

const UNHEARD: RemoteValues = { discriminator: 0, state: 'Down', demand: false, minRxUs: 1, desiredMinTxUs: 0, detectMult: 0 };

export function initialSessionState(opts: { localDiscr: number; config: BfdSessionConfig; minRxTtl: number; now: number }): SessionFsmState {
  const advertised = advertisedIntervals(opts.config, false);
  const s: SessionFsmState = {
    state: 'Down',
    diag: Diag.None,
    localDiscr: opts.localDiscr,
    config: opts.config,
    advertised,
    effective: advertised,
    polling: false,
    remote: UNHEARD,
    minRxTtl: opts.minRxTtl,
    txAt: undefined,
    detectAt: undefined,
  };
  return { ...s, txAt: mayTransmit(s) ? opts.now : undefined };
}

/** The earliest deadline the driver must wake up for, if any. */
export function nextWakeup(s: SessionFsmState): number | undefined {
  if (s.txAt === undefined) return s.detectAt;
  if (s.detectAt === undefined) return s.txAt;
  return Math.min(s.txAt, s.detectAt);
}

/** §6.8.7: passive sessions wait to hear the remote; a remote with RequiredMinRx 0 wants nothing. */
export function mayTransmit(s: SessionFsmState): boolean {
  if (s.config.passive && s.remote.discriminator === 0) return false;
  if (s.remote.minRxUs === 0) return false;
  return !(s.remote.demand && s.state === 'Up' && s.remote.state === 'Up');
}

/**
 * How long the remote waits without our packets before it declares the session down: its
 * Detection Time (§6.8.4), our Detect Mult × the interval we transmit at (the slower of our
 * DesiredMinTx and its RequiredMinRx).
 */
export function remoteDetectionTimeMs(s: SessionFsmState): number {
  return (s.config.detectMult * transmitIntervalUs(s.effective.desiredMinTxUs, s.remote.minRxUs)) / 1000;
}

export function detectionTimeMs(s: SessionFsmState): number {
  return detectionTimeUs(s.remote.detectMult, s.effective.requiredMinRxUs, s.remote.desiredMinTxUs) / 1000;
}

export function controlPacket(s: SessionFsmState, final = false): ControlPacket {
  return {
    diag: s.diag,
    state: s.state,
    poll: s.polling && !final,
    final,
    controlPlaneIndependent: false,
    demand: false,
    detectMult: s.config.detectMult,
    myDiscriminator: s.localDiscr,
    yourDiscriminator: s.remote.discriminator,
    desiredMinTxUs: s.advertised.desiredMinTxUs,
    requiredMinRxUs: s.advertised.requiredMinRxUs,
    requiredMinEchoRxUs: 0, // echo mode is not supported
  };
}

export function step(s: SessionFsmState, event: SessionFsmEvent, ctx: StepContext): StepResult {
  const actions: SessionFsmAction[] = [];
  let next: SessionFsmState;
  switch (event.type) {
    case 'received':
      next = receive(s, event.packet, event.ttl, ctx, actions);
      break;
    case 'timer':
      next = expire(s, ctx, actions);
      break;
    case 'adminDown':
      if (s.state === 'AdminDown') return { state: s, actions };
      next = changeState(s, 'AdminDown', Diag.AdministrativelyDown, ctx, actions);
      next = transmit({ ...next, detectAt: undefined, txAt: undefined }, ctx, actions);
      break;
    case 'adminUp':
      if (s.state !== 'AdminDown') return { state: s, actions };
      next = changeState(s, 'Down', Diag.None, ctx, actions);
      break;
    case 'configure':
      next = retime({ ...s, config: event.config }, ctx, actions);
      break;
  }
  return { state: schedule(next, ctx, actions), actions };
}

function receive(s: SessionFsmState, p: ControlPacket, ttl: number | undefined, ctx: StepContext, actions: SessionFsmAction[]): SessionFsmState {
  if (ttl !== undefined && ttl < s.minRxTtl) return discard(s, `TTL ${ttl} < ${s.minRxTtl}`, actions);
  if (p.yourDiscriminator !== 0 && p.yourDiscriminator !== s.localDiscr) {
    return discard(s, `Your Discriminator ${p.yourDiscriminator} is not ${s.localDiscr}`, actions);
  }
  let next: SessionFsmState = {
    ...s,
    remote: { discriminator: p.myDiscriminator, state: p.state, demand: p.demand, minRxUs: p.requiredMinRxUs, desiredMinTxUs: p.desiredMinTxUs, detectMult: p.detectMult },
  };
  if (p.final && s.polling) {
    next = { ...next, polling: false, effective: next.advertised };
    actions.push({ type: 'pollComplete' });
  }
  next = { ...next, detectAt: ctx.now + detectionTimeMs(next) };
  if (next.state === 'AdminDown') return { ...next, detectAt: undefined };

  const from = next.state;
  if (p.state === 'AdminDown') {
    if (from !== 'Down') next = changeState(next, 'Down', Diag.NeighborSignaledSessionDown, ctx, actions);
  } else if (from === 'Down') {
    if (p.state === 'Down') next = changeState(next, 'Init', next.diag, ctx, actions);
    else if (p.state === 'Init') next = changeState(next, 'Up', Diag.None, ctx, actions);
  } else if (from === 'Init') {
    if (p.state === 'Init' || p.state === 'Up') next = changeState(next, 'Up', Diag.None, ctx, actions);
  } else if (p.state === 'Down') {
    next = changeState(next, 'Down', Diag.NeighborSignaledSessionDown, ctx, actions);
  }

  if (p.poll) actions.push({ type: 'send', packet: controlPacket(next, true) });
  // Never wait longer than one full interval when the remote asked for a faster rate; a
  // silent session (passive, first packet heard) starts at once (see schedule()).
  if (next.txAt === undefined) return next;
  return { ...next, txAt: Math.min(next.txAt, ctx.now + txIntervalMs(next)) };
}

function expire(s: SessionFsmState, ctx: StepContext, actions: SessionFsmAction[]): SessionFsmState {
  if (s.detectAt === undefined || ctx.now < s.detectAt) return s;
  // §6.8.1/§6.8.4: forget the remote (RemoteDiscr 0); Init or Up goes Down with diag 1.
  let next: SessionFsmState = { ...s, remote: UNHEARD, detectAt: undefined };
  if (s.state === 'Init' || s.state === 'Up') {
    next = changeState(next, 'Down', Diag.ControlDetectionTimeExpired, ctx, actions);
  }
  return next;
}

function changeState(s: SessionFsmState, to: BfdState, diag: DiagCode, ctx: StepContext, actions: SessionFsmAction[]): SessionFsmState {
  actions.push({ type: 'stateChange', from: s.state, to, diag });
  // A Poll Sequence only makes sense while Up; leaving Up ends it.
  const poll = to === 'Up' ? {} : { polling: false, effective: s.advertised };
  return retime({ ...s, ...poll, state: to, diag }, ctx, actions);
}

/**
 * Advertise the intervals that the config and the state call for. While Up, a change runs
 * a Poll Sequence (§6.8.3); otherwise it applies at once (the 1 s floor comes and goes).
 */
function retime(s: SessionFsmState, ctx: StepContext, actions: SessionFsmAction[]): SessionFsmState {
  const target = advertisedIntervals(s.config, s.state === 'Up');
  if (sameIntervals(target, s.advertised)) return s;
  const poll = s.state === 'Up' && s.remote.discriminator !== 0;
  const effective = poll ? intervalsDuringPoll(s.effective, target) : target;
  const next: SessionFsmState = { ...s, advertised: target, effective, polling: poll };
  if (next.txAt === undefined || !mayTransmit(next)) return next;
  // A faster rate starts now: send the P bit (or the new state) without waiting a slow interval.
  if (effective.desiredMinTxUs < s.effective.desiredMinTxUs) return transmit(next, ctx, actions);
  return next;
}

function txIntervalMs(s: SessionFsmState): number {
  return transmitIntervalUs(s.effective.desiredMinTxUs, s.remote.minRxUs) / 1000;
}

function transmit(s: SessionFsmState, ctx: StepContext, actions: SessionFsmAction[]): SessionFsmState {
  actions.push({ type: 'send', packet: controlPacket(s) });
  const interval = transmitIntervalUs(s.effective.desiredMinTxUs, s.remote.minRxUs);
  return { ...s, txAt: ctx.now + jitteredIntervalMs(interval, s.config.detectMult, ctx.random) };
}

/** Sends the periodic packet when due; starts a silent session that may now transmit. */
function schedule(s: SessionFsmState, ctx: StepContext, actions: SessionFsmAction[]): SessionFsmState {
  if (!mayTransmit(s)) return s.txAt === undefined ? s : { ...s, txAt: undefined };
  if (s.txAt !== undefined && ctx.now < s.txAt) return s;
  return transmit(s, ctx, actions);
}

function discard(s: SessionFsmState, reason: string, actions: SessionFsmAction[]): SessionFsmState {
  actions.push({ type: 'discard', reason });
  return s;
}
