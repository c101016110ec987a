// Decoders return errors as values: a frame off the wire never throws.

export type L2DecodeErrorReason =
  /** Shorter than its headers or its own length fields say. */
  | 'truncated'
  /** Well-formed enough to read but breaks the protocol's rules. */
  | 'malformed'
  /** Valid, but not something Portside answers (other hardware/protocol/operation). */
  | 'unsupported'
  /** NDP arriving with a hop limit other than 255: possibly forwarded from off-link. */
  | 'bad-hop-limit';

export interface L2DecodeError {
  readonly kind: 'l2-decode-error';
  readonly reason: L2DecodeErrorReason;
  readonly message: string;
}

export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: L2DecodeError };

export function decoded<T>(value: T): DecodeResult<T> {
  return { ok: true, value };
}

export function decodeFailure<T>(reason: L2DecodeErrorReason, message: string): DecodeResult<T> {
  return { ok: false, error: { kind: 'l2-decode-error', reason, message } };
}
