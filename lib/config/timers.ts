// BGP hold/keepalive timers as MetalLB derives them: one given → the other ×3 or ÷3. The
// schema has already checked the values (hold 0 or 3s-65535s, keepalive at most hold).
export const DEFAULT_HOLD_MS = 90_000;
export const DEFAULT_KEEPALIVE_MS = 30_000;

export interface BgpTimers {
  holdTimeMs: number;
  keepaliveTimeMs: number;
}

export function deriveTimers(holdMs: number | undefined, keepaliveMs: number | undefined): BgpTimers {
  const hold = holdMs ?? (keepaliveMs !== undefined ? keepaliveMs * 3 : DEFAULT_HOLD_MS);
  return {
    // The OPEN message carries whole seconds.
    holdTimeMs: Math.floor(hold / 1000) * 1000,
    keepaliveTimeMs: keepaliveMs ?? (holdMs !== undefined ? holdMs / 3 : DEFAULT_KEEPALIVE_MS),
  };
}
