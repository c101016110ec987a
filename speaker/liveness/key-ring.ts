// Pure: the heartbeat keys during a rotation of the liveness-key Secret. Speakers see the
// new Secret at slightly different moments, so none may sign with the new key before the
// others can check it: on a new key a speaker accepts both at once, keeps signing with the
// old one for `overlapMs`, then signs with the new one and still accepts the old one for
// another `overlapMs` (peers that saw the Secret later sign with it that long).

export interface KeyRing {
  /** Signs now (until `next.from`). */
  readonly signing: Uint8Array;
  /** The key to sign with from `from` on; `signing` is accepted until `oldUntil`. */
  readonly next?: { readonly key: Uint8Array; readonly from: number; readonly oldUntil: number };
  /** Former keys still accepted, each until its time. */
  readonly retired: readonly { readonly key: Uint8Array; readonly until: number }[];
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

export function keyRing(key: Uint8Array): KeyRing {
  return { signing: key, retired: [] };
}

/** The ring as of `now`: a due next key signs, expired keys are gone. */
export function settle(ring: KeyRing, now: number): KeyRing {
  let { signing, next, retired } = ring;
  if (next && now >= next.from) {
    retired = [...retired, { key: signing, until: next.oldUntil }];
    signing = next.key;
    next = undefined;
  }
  retired = retired.filter((r) => r.until > now);
  return next ? { signing, next, retired } : { signing, retired };
}

/** A key from the Secret: the same one changes nothing; a new one starts a rotation. */
export function rotate(ring: KeyRing, key: Uint8Array, now: number, overlapMs: number): KeyRing {
  const r = settle(ring, now);
  if (same(r.next?.key ?? r.signing, key)) return r;
  const next = { key, from: now + overlapMs, oldUntil: now + 2 * overlapMs };
  // Rotated again before the last one finished: the pending key is still accepted as long.
  const retired = r.next ? [...r.retired, { key: r.next.key, until: next.oldUntil }] : r.retired;
  return { signing: r.signing, next, retired };
}

export function signingKey(ring: KeyRing, now: number): Uint8Array {
  return settle(ring, now).signing;
}

/** Every key a heartbeat may be signed with now, the signing key first. */
export function acceptedKeys(ring: KeyRing, now: number): Uint8Array[] {
  const r = settle(ring, now);
  return [r.signing, ...(r.next ? [r.next.key] : []), ...r.retired.map((x) => x.key)];
}
