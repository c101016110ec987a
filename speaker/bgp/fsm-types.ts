import type { AttributeError } from './attributes/types.ts';
import type { Capability } from './capabilities.ts';
import type { BgpMessageError } from './errors.ts';
import type { BgpMessage } from './message.ts';
import type { NotificationMessage } from './notification.ts';
import type { OpenMessage } from './open.ts';
import type { RouteRefreshMessage } from './route-refresh.ts';
import type { UpdateMessage } from './update.ts';

export type FsmStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';
export type TimerName = 'ConnectRetry' | 'Hold' | 'Keepalive' | 'IdleHold';

/** Per-peer settings, in BGP's units (seconds). Mirrors BGPPeer. */
export interface SessionConfig {
  localAs: number; // localASN override already applied
  routerId: number; // our BGP identifier, unsigned 32-bit
  /** A fixed ASN, or BGPPeer.dynamicASN: 'internal' (= localAs) / 'external' (≠ localAs). */
  peerAs: number | 'internal' | 'external';
  holdTime: number; // 0 or ≥ 3
  keepaliveTime?: number; // capped at the negotiated hold time / 3
  connectTime: number; // ConnectRetryTime; the base of the reconnect backoff
  maxBackoff: number; // cap of the reconnect backoff
  passive: boolean; // listen only, never connect
  families: (4 | 6)[]; // advertised as multiprotocol capabilities
  routeRefresh: boolean;
  /** RFC 4724; `restarting` sets the Restart State (R) bit: the first OPEN after a process restart. */
  gracefulRestart?: { restartTime: number; forwarding: boolean; restarting?: boolean };
}

export const defaultSessionConfig = {
  holdTime: 90,
  connectTime: 5,
  maxBackoff: 120,
  passive: false,
  families: [4, 6] as (4 | 6)[],
  routeRefresh: true,
} satisfies Partial<SessionConfig>;

/** What both OPENs agreed on; fixed for the life of one session. */
export interface NegotiatedSession {
  peerAs: number;
  peerId: number;
  ibgp: boolean;
  holdTime: number; // seconds; 0 = no keepalives, no hold timer
  keepaliveTime: number; // seconds; 0 when holdTime is 0
  fourOctetAs: boolean;
  families: (4 | 6)[];
  routeRefresh: boolean;
  peerGracefulRestart?: Extract<Capability, { kind: 'gracefulRestart' }>;
}

export interface FsmState {
  name: FsmStateName;
  config: SessionConfig;
  connectRetryCounter: number;
  autoRestart: boolean; // false after ManualStop
  seed: number; // PRNG state for timer jitter: keeps step() pure and replayable
  session?: NegotiatedSession; // set from OpenConfirm on
}

export type FsmEvent =
  | { type: 'ManualStart' }
  | { type: 'ManualStop'; message?: string; silent?: boolean } // RFC 8203 message; silent: no NOTIFICATION (graceful restart)
  | { type: 'PeerUnreachable'; reason: string } // an outside detector (BFD) says the peer is gone
  | { type: 'TcpConnectionConfirmed' }
  | { type: 'TcpConnectionFails'; error?: string } // error: what the socket reported (absent for a plain close)
  | { type: 'TimerExpired'; timer: TimerName }
  | { type: 'OpenReceived'; open: OpenMessage }
  | { type: 'KeepaliveReceived' }
  | { type: 'UpdateReceived'; update: UpdateMessage; errors: AttributeError[] }
  | { type: 'RouteRefreshReceived'; refresh: RouteRefreshMessage }
  | { type: 'NotificationReceived'; notification: NotificationMessage }
  | { type: 'MessageError'; error: BgpMessageError } // a received message failed to decode
  | { type: 'CollisionDump' }; // RFC 4271 §6.8: the other connection won

export type FsmAction =
  | { type: 'connect' }
  | { type: 'send'; message: BgpMessage }
  | { type: 'startTimer'; timer: TimerName; ms: number }
  | { type: 'stopTimer'; timer: TimerName }
  | { type: 'close' }
  | { type: 'established'; session: NegotiatedSession }
  | { type: 'down'; reason: string }
  | { type: 'routeRefreshRequested'; afi: number; safi: number }
  | { type: 'log'; level: 'debug' | 'info' | 'warn'; event: string; message: string };

export interface StepResult {
  state: FsmState;
  actions: FsmAction[];
}
