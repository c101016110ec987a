// Go's time.ParseDuration (metav1.Duration's text form), to milliseconds.
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};
const TERM = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;

export type DurationResult = { ok: true; ms: number } | { ok: false; error: string };

/** Parses "1m30s", "500ms", "1.5h", "0"; a negative duration is returned as negative. */
export function parseGoDuration(text: string): DurationResult {
  const bad = (): DurationResult => ({
    ok: false,
    error: `"${text}" is not a duration: write it like "90s", "1m30s" or "500ms"`,
  });
  if (typeof text !== 'string') return bad();
  let rest = text.trim();
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return { ok: true, ms: 0 };
  if (rest === '') return bad();
  let ms = 0;
  while (rest !== '') {
    const m = TERM.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') return bad();
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return { ok: true, ms: sign * ms };
}
