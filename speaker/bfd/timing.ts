// BFD timer arithmetic (RFC 5880 §6.8.2–§6.8.4, §6.8.7), pure. Wire values are microseconds.

/** §6.8.3: while the session is not Up, bfd.DesiredMinTxInterval is at least one second. */
export const SLOW_TX_US = 1_000_000;

/** The intervals a system puts in its packets or times itself by. */
export interface Intervals {
  desiredMinTxUs: number;
  requiredMinRxUs: number;
}

/** What we advertise for a configured pair of intervals in a given session state. */
export function advertisedIntervals(config: Intervals, up: boolean): Intervals {
  return {
    desiredMinTxUs: up ? config.desiredMinTxUs : Math.max(config.desiredMinTxUs, SLOW_TX_US),
    requiredMinRxUs: config.requiredMinRxUs,
  };
}

/** §6.8.7: the larger of our DesiredMinTx and the remote's RequiredMinRx. */
export function transmitIntervalUs(localDesiredMinTxUs: number, remoteMinRxUs: number): number {
  return Math.max(localDesiredMinTxUs, remoteMinRxUs);
}

/**
 * §6.8.7 jitter: 75–100% of the interval, or 75–90% when our Detect Mult is 1 (so one
 * late packet cannot expire the remote's detection time). `random` returns [0, 1).
 */
export function jitteredIntervalMs(intervalUs: number, detectMult: number, random: () => number): number {
  const spread = detectMult === 1 ? 0.15 : 0.25;
  return (intervalUs * (0.75 + spread * random())) / 1000;
}

/** §6.8.4 (asynchronous mode): remote Detect Mult × max(our RequiredMinRx, remote DesiredMinTx). */
export function detectionTimeUs(remoteDetectMult: number, localRequiredMinRxUs: number, remoteDesiredMinTxUs: number): number {
  return remoteDetectMult * Math.max(localRequiredMinRxUs, remoteDesiredMinTxUs);
}

/**
 * §6.8.3: while a Poll Sequence runs, a longer DesiredMinTx and a shorter RequiredMinRx
 * must not take effect yet; the safe direction of each change applies at once.
 */
export function intervalsDuringPoll(current: Intervals, next: Intervals): Intervals {
  return {
    desiredMinTxUs: Math.min(current.desiredMinTxUs, next.desiredMinTxUs),
    requiredMinRxUs: Math.max(current.requiredMinRxUs, next.requiredMinRxUs),
  };
}

export function sameIntervals(a: Intervals, b: Intervals): boolean {
  return a.desiredMinTxUs === b.desiredMinTxUs && a.requiredMinRxUs === b.requiredMinRxUs;
}
