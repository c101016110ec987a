// What the answer probe saw over a span of time, per family: how many probes, how many
// got two or more MACs (the invariant: none), how many none, and the longest stretch
// between two answered probes (the failover bound: timeout + one heartbeat, + probe spacing).
import type { ProbeRecord } from './answer-probe.ts';

export interface AnswerStats {
  probes: number;
  twoMacs: number;
  unanswered: number;
  maxGapMs: number;
  /** Probes answered by each MAC. */
  byMac: Record<string, number>;
}

export function answerStats(records: readonly ProbeRecord[], family: 4 | 6, from: number, to = Infinity): AnswerStats {
  const probes = records.filter((r) => r.p === 'probe' && r.f === family && r.t >= from && r.t <= to).sort((a, b) => a.t - b.t);
  const out: AnswerStats = { probes: probes.length, twoMacs: 0, unanswered: 0, maxGapMs: 0, byMac: {} };
  // From the first probe (or last answer) to the next answer; a trailing unanswered run counts to the last probe.
  let since = probes[0]?.t;
  for (const p of probes) {
    if (p.m.length > 1) out.twoMacs++;
    if (p.m.length === 0) {
      out.unanswered++;
      continue;
    }
    for (const mac of p.m) out.byMac[mac] = (out.byMac[mac] ?? 0) + 1;
    if (since !== undefined) out.maxGapMs = Math.max(out.maxGapMs, p.t - since);
    since = p.t;
  }
  const last = probes.at(-1);
  if (last && since !== undefined && last.m.length === 0) out.maxGapMs = Math.max(out.maxGapMs, last.t - since);
  return out;
}
