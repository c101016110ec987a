// BFD Control packet codec (RFC 5880 §4.1). decode applies every reception check of
// §6.8.6 that needs no session, and returns errors as values: a bad packet is dropped and
// counted, it never throws.

export const BFD_VERSION = 1;
export const CONTROL_PACKET_LENGTH = 24; // mandatory section, no authentication
const AUTH_MIN_LENGTH = 26; // mandatory section + auth type + auth len

export const SESSION_STATES = ['AdminDown', 'Down', 'Init', 'Up'] as const;
export type BfdState = (typeof SESSION_STATES)[number];

/** Diagnostic codes (RFC 5880 §4.1); Portside sets 0, 1, 3 and 7. */
export const Diag = {
  None: 0,
  ControlDetectionTimeExpired: 1,
  EchoFunctionFailed: 2,
  NeighborSignaledSessionDown: 3,
  ForwardingPlaneReset: 4,
  PathDown: 5,
  ConcatenatedPathDown: 6,
  AdministrativelyDown: 7,
  ReverseConcatenatedPathDown: 8,
} as const;
export type DiagCode = number; // 0–31 on the wire; unknown codes are kept, not rejected

const DIAG_NAMES = Object.fromEntries(Object.entries(Diag).map(([k, v]) => [v, k])) as Record<number, string>;
export function diagName(diag: DiagCode): string {
  return DIAG_NAMES[diag] ?? `Diag${diag}`;
}

export interface ControlPacket {
  diag: DiagCode;
  state: BfdState;
  poll: boolean;
  final: boolean;
  controlPlaneIndependent: boolean;
  demand: boolean;
  detectMult: number;
  myDiscriminator: number;
  yourDiscriminator: number;
  /** Microseconds, as on the wire. */
  desiredMinTxUs: number;
  requiredMinRxUs: number;
  requiredMinEchoRxUs: number;
}

export type PacketErrorKind =
  | 'truncated' // fewer bytes than the mandatory section or than the Length field says
  | 'badVersion'
  | 'badLength'
  | 'zeroDetectMult'
  | 'multipoint'
  | 'zeroMyDiscriminator'
  | 'zeroYourDiscriminator'
  | 'authNotSupported';

export interface PacketError {
  kind: PacketErrorKind;
  message: string;
}

export type DecodeResult = { ok: true; packet: ControlPacket; bytesRead: number } | { ok: false; error: PacketError };

const fail = (kind: PacketErrorKind, message: string): DecodeResult => ({ ok: false, error: { kind, message } });

export function decodeControlPacket(buf: Uint8Array): DecodeResult {
  if (buf.byteLength < 4) return fail('truncated', `${buf.byteLength} bytes, need at least ${CONTROL_PACKET_LENGTH}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const b0 = view.getUint8(0);
  const b1 = view.getUint8(1);
  const version = b0 >> 5;
  if (version !== BFD_VERSION) return fail('badVersion', `version ${version}, only ${BFD_VERSION} is supported`);
  const auth = (b1 & 0x04) !== 0;
  const length = view.getUint8(3);
  const min = auth ? AUTH_MIN_LENGTH : CONTROL_PACKET_LENGTH;
  if (length < min) return fail('badLength', `Length ${length} < ${min}${auth ? ' (authentication present)' : ''}`);
  if (length > buf.byteLength) return fail('truncated', `Length ${length} > ${buf.byteLength} bytes received`);
  const detectMult = view.getUint8(2);
  if (detectMult === 0) return fail('zeroDetectMult', 'Detect Mult is 0');
  if ((b1 & 0x01) !== 0) return fail('multipoint', 'Multipoint (M) bit is set');
  const myDiscriminator = view.getUint32(4);
  if (myDiscriminator === 0) return fail('zeroMyDiscriminator', 'My Discriminator is 0');
  const state = SESSION_STATES[b1 >> 6] as BfdState;
  const yourDiscriminator = view.getUint32(8);
  if (yourDiscriminator === 0 && state !== 'Down' && state !== 'AdminDown') {
    return fail('zeroYourDiscriminator', `Your Discriminator is 0 in state ${state}`);
  }
  // Portside configures no authentication, so any authenticated packet is discarded.
  if (auth) return fail('authNotSupported', 'Authentication (A) bit is set; Portside does not support BFD authentication');
  return {
    ok: true,
    bytesRead: length,
    packet: {
      diag: b0 & 0x1f,
      state,
      poll: (b1 & 0x20) !== 0,
      final: (b1 & 0x10) !== 0,
      controlPlaneIndependent: (b1 & 0x08) !== 0,
      demand: (b1 & 0x02) !== 0,
      detectMult,
      myDiscriminator,
      yourDiscriminator,
      desiredMinTxUs: view.getUint32(12),
      requiredMinRxUs: view.getUint32(16),
      requiredMinEchoRxUs: view.getUint32(20),
    },
  };
}

/** Encodes the 24-byte mandatory section (never authenticated, never multipoint). */
export function encodeControlPacket(p: ControlPacket): Buffer {
  const buf = Buffer.alloc(CONTROL_PACKET_LENGTH);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const flags =
    (SESSION_STATES.indexOf(p.state) << 6) |
    (p.poll ? 0x20 : 0) |
    (p.final ? 0x10 : 0) |
    (p.controlPlaneIndependent ? 0x08 : 0) |
    (p.demand ? 0x02 : 0);
  view.setUint8(0, (BFD_VERSION << 5) | (p.diag & 0x1f));
  view.setUint8(1, flags);
  view.setUint8(2, p.detectMult & 0xff);
  view.setUint8(3, CONTROL_PACKET_LENGTH);
  view.setUint32(4, p.myDiscriminator >>> 0);
  view.setUint32(8, p.yourDiscriminator >>> 0);
  view.setUint32(12, p.desiredMinTxUs >>> 0);
  view.setUint32(16, p.requiredMinRxUs >>> 0);
  view.setUint32(20, p.requiredMinEchoRxUs >>> 0);
  return buf;
}
