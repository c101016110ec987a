/** mulberry32: a tiny deterministic PRNG so the pure FSM can jitter timers. */
export function nextRandom(seed: number): { value: number; seed: number } {
  const s = (seed + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, seed: s };
}

/** RFC 4271 §10 jitter: a random factor in [0.75, 1). */
export function jitter(ms: number, seed: number): { ms: number; seed: number } {
  const r = nextRandom(seed);
  return { ms: Math.round(ms * (0.75 + 0.25 * r.value)), seed: r.seed };
}

/** Delay before reconnect attempt `attempt` (1-based): connectTime·2^(attempt-1), capped, jittered. */
export function reconnectDelay(
  attempt: number,
  connectTimeSec: number,
  maxSec: number,
  seed: number,
): { ms: number; seed: number } {
  const base = Math.min(maxSec, connectTimeSec * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return jitter(base * 1000, seed);
}
