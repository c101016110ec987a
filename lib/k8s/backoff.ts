// Exponential backoff with full-range jitter: pure, with the random source injected.
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** 0 = none, 0.5 = ±50 %. */
  jitter: number;
}

/** client-go's per-item default: 5 ms doubling up to 1000 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5, maxMs: 1_000_000, jitter: 0 };

/** Delay before retry number `failures` (1 = first retry): base·2^(failures-1), capped, jittered. */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(failures - 1, 52)));
  if (policy.jitter <= 0) return exp;
  const spread = exp * policy.jitter;
  return Math.max(0, Math.min(policy.maxMs, exp - spread + random() * 2 * spread));
}
