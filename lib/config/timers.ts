// BGP hold/keepalive timers as MetalLB derives them: one given → the other ×3 or ÷3.
import { parseGoDuration } from './duration.ts';
import type { ObjectIssues } from './issues.ts';

export const DEFAULT_HOLD_MS = 90_000;
export const DEFAULT_KEEPALIVE_MS = 30_000;

export interface BgpTimers {
  holdTimeMs: number;
  keepaliveTimeMs: number;
}

function duration(text: string | undefined, field: string, report: ObjectIssues): number | undefined | null {
  if (text === undefined || text === null) return undefined;
  const d = parseGoDuration(text);
  if (!d.ok) { report.error(field, d.error); return null; }
  if (d.ms < 0) { report.error(field, `"${text}" is negative: give a positive duration`); return null; }
  return d.ms;
}

/** Undefined after reporting an error. */
export function deriveTimers(holdText: string | undefined, keepaliveText: string | undefined, report: ObjectIssues): BgpTimers | undefined {
  const hold = duration(holdText, 'spec.holdTime', report);
  const keepalive = duration(keepaliveText, 'spec.keepaliveTime', report);
  if (hold === null || keepalive === null) return undefined;
  let holdMs = hold ?? (keepalive !== undefined ? keepalive * 3 : DEFAULT_HOLD_MS);
  const keepaliveMs = keepalive ?? (hold !== undefined ? hold / 3 : DEFAULT_KEEPALIVE_MS);
  // The OPEN message carries whole seconds.
  holdMs = Math.floor(holdMs / 1000) * 1000;
  const holdField = hold !== undefined ? 'spec.holdTime' : 'spec.keepaliveTime';
  if (holdMs !== 0 && holdMs < 3000) {
    const why = hold !== undefined ? `hold time "${holdText}"` : `keepaliveTime "${keepaliveText}" gives a hold time of ${holdMs / 1000}s (×3), which`;
    report.error(holdField, `${why} is invalid: the hold time must be 0 or at least 3s`);
    return undefined;
  }
  if (keepaliveMs > holdMs) {
    report.error('spec.keepaliveTime', `keepaliveTime ${keepaliveMs / 1000}s is longer than holdTime ${holdMs / 1000}s: make it at most the hold time (usually a third)`);
    return undefined;
  }
  return { holdTimeMs: holdMs, keepaliveTimeMs: keepaliveMs };
}
