import type { FsmStateName } from './fsm-types.ts';

export type ConnectionOrigin = 'outgoing' | 'incoming';

export interface CollidingConnection {
  origin: ConnectionOrigin;
  state: FsmStateName;
}

/** States in which a connection takes part in collision detection (RFC 4271 §6.8). */
export function inCollisionWindow(state: FsmStateName): boolean {
  return state === 'OpenSent' || state === 'OpenConfirm' || state === 'Established';
}

/**
 * Which of two connections to the same peer to close. An Established connection always
 * survives (CollisionDetectEstablishedState is off). Otherwise the connection opened by
 * the side with the lower BGP identifier is closed, comparing identifiers as unsigned.
 */
export function connectionToClose(
  localId: number,
  remoteId: number,
  a: CollidingConnection,
  b: CollidingConnection,
): 'a' | 'b' {
  if (a.state === 'Established') return 'b';
  if (b.state === 'Established') return 'a';
  const closing: ConnectionOrigin = localId >>> 0 < remoteId >>> 0 ? 'outgoing' : 'incoming';
  if (a.origin === b.origin) return 'b'; // not a real collision; keep the older one
  return a.origin === closing ? 'a' : 'b';
}
