import type { AttributeContext } from './attributes/types.ts';
import type { ConnectionOrigin } from './collision.ts';
import { BgpMessageError, ErrorCode } from './errors.ts';
import { MessageSplitter } from './framer.ts';
import { step } from './fsm.ts';
import type { FsmAction, FsmEvent, FsmState, TimerName } from './fsm-types.ts';
import { decodeMessage, encodeMessage } from './message.ts';
import type { BgpMessage } from './message.ts';
import type { Clock, TimerHandle } from '../../lib/time/index.ts';

/** The part of net.Socket a BGP connection uses; tests may pass any Duplex-like object. */
export interface BgpSocket {
  write(data: Buffer): boolean;
  end(): void;
  destroy(): void;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'connect' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  readonly localAddress?: string | undefined;
  readonly remoteAddress?: string | undefined;
}

const CLOSE_GRACE_MS = 2000; // let a NOTIFICATION drain before the socket is destroyed

export interface ConnectionHooks {
  /** Called for every FSM action after the connection has carried out its own part. */
  onAction(conn: BgpConnection, action: FsmAction): void;
  onTransition(conn: BgpConnection, from: FsmState['name'], to: FsmState['name']): void;
  onMessage(conn: BgpConnection, message: BgpMessage): void;
  /** A message went out on the socket: `type` is its header's type code (RFC 4271 §4.1). */
  onSent?(conn: BgpConnection, type: number): void;
  /** Every error a socket reports (`current`: the connection's live socket, so the FSM saw it too). */
  onSocketError(conn: BgpConnection, error: Error, current: boolean): void;
  openSocket(): BgpSocket;
}

/** Drives one pure FSM over one TCP connection at a time, with injected timers. */
export class BgpConnection {
  state: FsmState;
  origin: ConnectionOrigin = 'outgoing';
  private socket: BgpSocket | undefined;
  private splitter = new MessageSplitter();
  private readonly timers = new Map<TimerName, TimerHandle>();
  private readonly clock: Clock;
  private readonly hooks: ConnectionHooks;

  constructor(state: FsmState, clock: Clock, hooks: ConnectionHooks) {
    this.state = state;
    this.clock = clock;
    this.hooks = hooks;
  }

  get localAddress(): string | undefined {
    return this.socket?.localAddress;
  }

  dispatch(event: FsmEvent): void {
    const from = this.state.name;
    const { state, actions } = step(this.state, event);
    this.state = state;
    for (const a of actions) this.perform(a);
    if (from !== state.name) this.hooks.onTransition(this, from, state.name);
  }

  /** Adopts a socket that is already connected (accepted by a listener). */
  adopt(socket: BgpSocket): void {
    this.attach(socket, 'incoming');
    this.dispatch({ type: 'TcpConnectionConfirmed' });
  }

  send(data: Buffer): void {
    if (!this.socket) return;
    this.socket.write(data);
    this.hooks.onSent?.(this, data[18] ?? 0);
  }

  /** Stops every timer and drops the socket without FSM involvement (the connection is discarded). */
  dispose(): void {
    for (const h of this.timers.values()) this.clock.clearTimeout(h);
    this.timers.clear();
    this.closeSocket();
  }

  private perform(a: FsmAction): void {
    switch (a.type) {
      case 'connect': {
        let socket: BgpSocket;
        try {
          socket = this.hooks.openSocket();
        } catch (err) {
          // e.g. a bad source address: report it as a failed connection, after this step.
          const error = err instanceof Error ? err : new Error(String(err), { cause: err });
          queueMicrotask(() => {
            this.hooks.onSocketError(this, error, true);
            this.dispatch({ type: 'TcpConnectionFails', error: error.message });
          });
          break;
        }
        this.attach(socket, 'outgoing');
        socket.on('connect', () => {
          if (this.socket === socket) this.dispatch({ type: 'TcpConnectionConfirmed' });
        });
        break;
      }
      case 'send':
        this.send(encodeMessage(a.message, this.context()));
        break;
      case 'startTimer': {
        const old = this.timers.get(a.timer);
        if (old !== undefined) this.clock.clearTimeout(old);
        const handle = this.clock.setTimeout(() => {
          if (this.timers.get(a.timer) !== handle) return;
          this.timers.delete(a.timer);
          this.dispatch({ type: 'TimerExpired', timer: a.timer });
        }, a.ms);
        this.timers.set(a.timer, handle);
        break;
      }
      case 'stopTimer': {
        const h = this.timers.get(a.timer);
        if (h !== undefined) this.clock.clearTimeout(h);
        this.timers.delete(a.timer);
        break;
      }
      case 'close':
        this.closeSocket();
        break;
      default:
        break;
    }
    this.hooks.onAction(this, a);
  }

  private context(): AttributeContext {
    const s = this.state.session;
    return { fourOctetAs: s?.fourOctetAs ?? true, ebgp: s ? !s.ibgp : false };
  }

  private attach(socket: BgpSocket, origin: ConnectionOrigin): void {
    this.closeSocket();
    this.socket = socket;
    this.origin = origin;
    this.splitter = new MessageSplitter();
    socket.on('data', (chunk) => {
      if (this.socket === socket) this.receive(chunk);
    });
    const fail = (error?: Error): void => {
      const current = this.socket === socket;
      if (error) this.hooks.onSocketError(this, error, current);
      if (!current) return; // a socket we already gave up on: reported above, nothing to drive
      this.socket = undefined;
      this.dispatch({ type: 'TcpConnectionFails', ...(error ? { error: error.message } : {}) });
    };
    socket.on('close', () => fail());
    socket.on('error', fail);
  }

  private closeSocket(): void {
    const s = this.socket;
    if (!s) return;
    this.socket = undefined;
    s.end();
    const h = this.clock.setTimeout(() => s.destroy(), CLOSE_GRACE_MS);
    (h as { unref?: () => void }).unref?.();
  }

  private receive(chunk: Buffer): void {
    const socket = this.socket;
    try {
      for (const raw of this.splitter.push(chunk)) {
        const { value, attributeErrors } = decodeMessage(raw, this.context());
        this.hooks.onMessage(this, value);
        this.dispatch(toEvent(value, attributeErrors));
        if (this.socket !== socket) return; // the FSM closed this connection
      }
    } catch (err) {
      // A non-protocol error is our bug; still reset only this session, never the process.
      const error = err instanceof BgpMessageError ? err : new BgpMessageError(ErrorCode.Cease, 0, undefined, `internal error: ${String(err)}`, { cause: err });
      this.dispatch({ type: 'MessageError', error });
    }
  }
}

function toEvent(m: BgpMessage, errors: ReturnType<typeof decodeMessage>['attributeErrors']): FsmEvent {
  switch (m.type) {
    case 'open':
      return { type: 'OpenReceived', open: m };
    case 'update':
      return { type: 'UpdateReceived', update: m, errors };
    case 'notification':
      return { type: 'NotificationReceived', notification: m };
    case 'keepalive':
      return { type: 'KeepaliveReceived' };
    case 'routeRefresh':
      return { type: 'RouteRefreshReceived', refresh: m };
  }
}
