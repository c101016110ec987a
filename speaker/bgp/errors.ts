// Protocol errors as values: each BgpMessageError is exactly the NOTIFICATION the FSM sends.

export const ErrorCode = {
  MessageHeader: 1,
  Open: 2,
  Update: 3,
  HoldTimerExpired: 4,
  Fsm: 5,
  Cease: 6,
  RouteRefresh: 7,
} as const;

export const HeaderSubcode = { ConnectionNotSynchronized: 1, BadMessageLength: 2, BadMessageType: 3 } as const;

export const OpenSubcode = {
  UnsupportedVersion: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7,
} as const;

export const UpdateSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnownAttribute: 2,
  MissingWellKnownAttribute: 3,
  AttributeFlagsError: 4,
  AttributeLengthError: 5,
  InvalidOrigin: 6,
  InvalidNextHop: 8,
  OptionalAttributeError: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11,
} as const;

// RFC 6608 subcodes for FSM errors.
export const FsmSubcode = { Unspecified: 0, UnexpectedInOpenSent: 1, UnexpectedInOpenConfirm: 2, UnexpectedInEstablished: 3 } as const;

export const CeaseSubcode = {
  MaxPrefixes: 1,
  AdministrativeShutdown: 2,
  PeerDeconfigured: 3,
  AdministrativeReset: 4,
  ConnectionRejected: 5,
  OtherConfigurationChange: 6,
  ConnectionCollisionResolution: 7,
  OutOfResources: 8,
  HardReset: 9,
} as const;

const codeNames: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};

const subcodeNames: Record<number, Record<number, string>> = {
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  2: {
    1: 'Unsupported Version Number', 2: 'Bad Peer AS', 3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter', 6: 'Unacceptable Hold Time', 7: 'Unsupported Capability',
  },
  3: {
    1: 'Malformed Attribute List', 2: 'Unrecognized Well-known Attribute', 3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error', 5: 'Attribute Length Error', 6: 'Invalid ORIGIN Attribute',
    8: 'Invalid NEXT_HOP Attribute', 9: 'Optional Attribute Error', 10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  5: {
    1: 'Receive Unexpected Message in OpenSent State', 2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  6: {
    1: 'Maximum Number of Prefixes Reached', 2: 'Administrative Shutdown', 3: 'Peer De-configured',
    4: 'Administrative Reset', 5: 'Connection Rejected', 6: 'Other Configuration Change',
    7: 'Connection Collision Resolution', 8: 'Out of Resources', 9: 'Hard Reset',
  },
  7: { 1: 'Invalid Message Length' },
};

/** Human names for logs, e.g. "Cease / Administrative Shutdown". */
export function notificationName(code: number, subcode: number): string {
  const c = codeNames[code] ?? `Unknown code ${code}`;
  if (subcode === 0) return c;
  return `${c} / ${subcodeNames[code]?.[subcode] ?? `subcode ${subcode}`}`;
}

/** A malformed or unacceptable message; maps 1:1 to the NOTIFICATION to send. */
export class BgpMessageError extends Error {
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;

  constructor(code: number, subcode: number, data: Buffer = Buffer.alloc(0), detail?: string, options?: ErrorOptions) {
    super(detail ? `${notificationName(code, subcode)}: ${detail}` : notificationName(code, subcode), options);
    this.name = 'BgpMessageError';
    this.code = code;
    this.subcode = subcode;
    this.data = data;
  }
}

/** The buffer holds a prefix of a message; not an error of the peer. */
export class NeedMoreBytes extends Error {
  readonly needed: number;

  constructor(needed: number) {
    super(`need ${needed} more bytes`);
    this.name = 'NeedMoreBytes';
    this.needed = needed;
  }
}

export interface Decoded<T> {
  value: T;
  bytesRead: number;
}
