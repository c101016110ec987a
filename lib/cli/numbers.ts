// Numbers from flags and environment variables, checked once at start: a bad one becomes one
// line naming the flag or variable, the value given and what is expected (never a NaN timer).

export interface WholeNumberRule {
  min: number;
  max?: number;
  /** What the number counts, for the message; "a whole number" unless given. */
  what?: string;
}

export type NumberResult = { ok: true; value: number } | { ok: false; error: string };

/** `text` given for `name` (`--flag` or `$VAR`) as a whole number within the rule's bounds. */
export function parseWholeNumber(name: string, text: string, rule: WholeNumberRule): NumberResult {
  const value = /^[0-9]{1,15}$/.test(text) ? Number(text) : Number.NaN;
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  if (value >= rule.min && value <= max) return { ok: true, value };
  const range = rule.max === undefined ? `of at least ${rule.min}` : `from ${rule.min} to ${rule.max}`;
  return { ok: false, error: `${name} "${text}" must be ${rule.what ?? 'a whole number'} ${range}` };
}

/** Environment variable `name` as a whole number; `fallback` when it is unset or empty. */
export function envWholeNumber<F extends number | undefined>(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: F,
  rule: WholeNumberRule,
): { ok: true; value: number | F } | { ok: false; error: string } {
  const text = env[name];
  if (text === undefined || text === '') return { ok: true, value: fallback };
  return parseWholeNumber(`$${name}`, text, rule);
}

/** For scripts (benchmarks, probes): the value, or the error on one line and exit status 2. */
export function numberOrExit<T>(result: { ok: true; value: T } | { ok: false; error: string }, program: string): T {
  if (result.ok) return result.value;
  console.error(`${program}: ${result.error}`);
  process.exit(2);
}
