// The one order for names and keys: by Unicode code point, like Go's string comparison and
// the API server's own sorting. Not localeCompare, whose order depends on the ICU data and
// locale of the machine ('B' after 'a', '-' and '_' ignored at first), so two replicas could
// break a tie differently.

/** Negative, zero or positive as `a` sorts before, with or after `b` in code-point order. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/**
 * UTF-16 order is code-point order except that surrogates (U+D800–DFFF, which encode
 * U+10000 and up) sort below U+E000–FFFF: move them above.
 */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
