// A BFDProfile's defaults (FRR's), written once: the config model fills them in and
// speaker/bfd falls back to them. The CRD's OpenAPI defaults are checked against these.
export const BFD_PROFILE_DEFAULTS = {
  receiveIntervalMs: 300,
  transmitIntervalMs: 300,
  detectMultiplier: 3,
  echoIntervalMs: 50,
  echoMode: false,
  passiveMode: false,
  /** Multi-hop sessions only; single-hop sessions always require TTL 255 (RFC 5881 §5). */
  minimumTtl: 254,
} as const;
