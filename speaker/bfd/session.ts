// One BFD session's effects: runs the pure FSM (session-fsm.ts) on an injected clock, a single
// timer and its send socket, and turns state changes into `up` / `down` events and metrics.
import { EventEmitter } from 'node:events';
import type { Logger } from '../../lib/log/index.ts';
import type { Clock, TimerHandle } from '../../lib/time/index.ts';
import type { BfdStats } from './metrics.ts';
import { diagName, encodeControlPacket, type BfdState, type ControlPacket, type DiagCode } from './packet.ts';
import type { BfdSessionConfig } from './profile.ts';
import {
  controlPacket,
  detectionTimeMs,
  initialSessionState,
  nextWakeup,
  step,
  type SessionFsmAction,
  type SessionFsmEvent,
  type SessionFsmState,
} from './session-fsm.ts';
import { transmitIntervalUs } from './timing.ts';
import type { BfdSender } from './transport.ts';

export interface StateChange {
  from: BfdState;
  to: BfdState;
  diag: DiagCode;
  diagName: string;
}

export interface BfdSessionEvents {
  up: [];
  /** The session left Up; `diag` says why (1 detection time expired, 3 neighbor down, 7 admin down). */
  down: [info: StateChange];
  stateChange: [info: StateChange];
  /** The peer answered our Poll: the advertised intervals are now in effect. */
  pollComplete: [];
}

export interface BfdSessionDeps {
  sender: BfdSender;
  stats: BfdStats;
  logger: Logger | undefined;
  clock: Clock;
  random: () => number;
  /** Runs `fn` once the I/O that is already waiting has been read (setImmediate: after the loop's poll phase). */
  afterPendingIo: (fn: () => void) => void;
}

export interface BfdSessionInit {
  peer: string;
  local: string;
  remotePort: number;
  localDiscr: number;
  config: BfdSessionConfig;
  minRxTtl: number;
}

/** A loop turn longer than this between a timer and its judging means I/O may be waiting unread. */
const HELD_AFTER_TIMER_MS = 5;
/** Poll phases a deadline waits for at most when the loop keeps being held. */
const MAX_DEFERRALS = 3;

export class BfdSession extends EventEmitter<BfdSessionEvents> {
  readonly peer: string;
  readonly local: string;
  readonly remotePort: number;
  #fsm: SessionFsmState;
  readonly #deps: BfdSessionDeps;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(init: BfdSessionInit, deps: BfdSessionDeps) {
    super();
    this.peer = init.peer;
    this.local = init.local;
    this.remotePort = init.remotePort;
    this.#deps = deps;
    this.#fsm = initialSessionState({ localDiscr: init.localDiscr, config: init.config, minRxTtl: init.minRxTtl, now: deps.clock.now() });
  }

  get state(): BfdState {
    return this.#fsm.state;
  }

  get diag(): DiagCode {
    return this.#fsm.diag;
  }

  get localDiscriminator(): number {
    return this.#fsm.localDiscr;
  }

  get remoteDiscriminator(): number {
    return this.#fsm.remote.discriminator;
  }

  /** The FSM's full state, read-only: remote values, intervals, poll in progress. */
  get snapshot(): Readonly<SessionFsmState> {
    return this.#fsm;
  }

  /** Starts transmitting (unless passive). Called by the manager once the socket is bound. */
  start(): void {
    this.#arm();
  }

  /** A decoded packet the manager demultiplexed to this session. */
  receive(packet: ControlPacket, ttl?: number): void {
    this.#dispatch({ type: 'received', packet, ttl });
  }

  configure(config: BfdSessionConfig): void {
    this.#dispatch({ type: 'configure', config });
  }

  adminDown(): void {
    this.#dispatch({ type: 'adminDown' });
  }

  adminUp(): void {
    this.#dispatch({ type: 'adminUp' });
  }

  /**
   * Goes AdminDown (the peer sees diag 7 and Down, not a detection timeout), repeats the
   * AdminDown packet `repeats` times in case one is lost, then closes the socket.
   */
  async shutdown(repeats = 2): Promise<void> {
    if (this.#closed) return;
    this.adminDown();
    const gapMs = Math.min(100, transmitIntervalUs(this.#fsm.effective.desiredMinTxUs, this.#fsm.remote.minRxUs) / 1000);
    for (let i = 0; i < repeats && this.#fsm.remote.discriminator !== 0; i++) {
      await new Promise<void>((resolve) => this.#deps.clock.setTimeout(resolve, gapMs));
      if (this.#closed) return;
      this.#send(controlPacket(this.#fsm));
    }
    await this.close();
  }

  /** Stops timers and closes the socket without telling the peer. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#deps.sender.close();
  }

  #dispatch(event: SessionFsmEvent): void {
    if (this.#closed) return;
    const { state, actions } = step(this.#fsm, event, { now: this.#deps.clock.now(), random: this.#deps.random });
    this.#fsm = state;
    for (const action of actions) this.#perform(action);
    this.#arm();
  }

  #perform(action: SessionFsmAction): void {
    const { stats, logger } = this.#deps;
    switch (action.type) {
      case 'send':
        this.#send(action.packet);
        break;
      case 'stateChange': {
        const info: StateChange = { from: action.from, to: action.to, diag: action.diag, diagName: diagName(action.diag) };
        logger?.info('bfd_session_state', {
          peer: this.peer,
          local: this.local,
          ...info,
          detectionTimeMs: this.#fsm.remote.detectMult ? detectionTimeMs(this.#fsm) : undefined,
        });
        if (action.to === 'Up') stats.sessionUp(this.peer);
        if (action.from === 'Up') stats.sessionDown(this.peer);
        stats.stateNotified(this.peer);
        this.emit('stateChange', info);
        if (action.to === 'Up') this.emit('up');
        if (action.from === 'Up') this.emit('down', info);
        break;
      }
      case 'pollComplete':
        logger?.debug('bfd_poll_complete', { peer: this.peer, intervals: this.#fsm.effective });
        this.emit('pollComplete');
        break;
      case 'discard':
        stats.packetDropped('sessionDiscard');
        logger?.debug('bfd_packet_discarded', { peer: this.peer, reason: action.reason });
        break;
    }
  }

  #send(packet: ControlPacket): void {
    this.#deps.stats.controlPacketOutput(this.peer);
    this.#deps.sender.send(encodeControlPacket(packet), this.peer, this.remotePort, (err) =>
      this.#deps.logger?.warn('bfd_send_failed', { peer: this.peer, err }),
    );
  }

  #arm(): void {
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const at = nextWakeup(this.#fsm);
    if (at === undefined || this.#closed) return;
    // A deadline is judged only after the packets already waiting in the socket are read: after
    // the loop was held (a long callback), its timers phase comes before its poll phase, and the
    // peer's queued packets would otherwise arrive just after we declared it dead.
    // If the loop was held between the timer and that point (a long I/O callback in the same
    // turn, after its poll phase had run), the packets that came meanwhile are still unread: one
    // more poll phase first, a few times at most.
    const judge = (firedAt: number, deferrals: number): void => this.#deps.afterPendingIo(() => {
      const now = this.#deps.clock.now();
      if (now - firedAt > HELD_AFTER_TIMER_MS && deferrals < MAX_DEFERRALS) return judge(now, deferrals + 1);
      this.#dispatch({ type: 'timer' });
    });
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#timer = undefined;
      judge(this.#deps.clock.now(), 0);
    }, Math.max(0, at - this.#deps.clock.now()));
  }
}
