import type { KindSource, Schema } from './schema.ts';

/**
 * A BFDProfile's defaults (FRR's), written once: the CRD's OpenAPI defaults below, the
 * config model (through the generated zod schema) and speaker/bfd all take them from here.
 */
export const BFD_PROFILE_DEFAULTS = {
  receiveIntervalMs: 300,
  transmitIntervalMs: 300,
  detectMultiplier: 3,
  echoIntervalMs: 50,
  echoMode: false,
  passiveMode: false,
  /** Multi-hop sessions only, so the API leaves it unset; single-hop always requires TTL 255 (RFC 5881 §5). */
  minimumTtl: 254,
} as const;
const D = BFD_PROFILE_DEFAULTS;

const interval = (description: string, defaultMs: number): Schema => ({
  type: 'integer',
  format: 'int32',
  description: `${description} In milliseconds, 10 to 60000.`,
  minimum: 10,
  maximum: 60000,
  unit: 'ms',
  default: defaultMs,
});

export const bfdProfile: KindSource = {
  kind: 'BFDProfile',
  plural: 'bfdprofiles',
  singular: 'bfdprofile',
  description: 'Settings of a BFD session that a BGPPeer may use to detect a dead link fast.',
  printerColumns: [
    { name: 'Passive Mode', type: 'boolean', jsonPath: '.spec.passiveMode' },
    { name: 'Transmit Interval', type: 'integer', jsonPath: '.spec.transmitInterval' },
    { name: 'Receive Interval', type: 'integer', jsonPath: '.spec.receiveInterval' },
    { name: 'Multiplier', type: 'integer', jsonPath: '.spec.detectMultiplier' },
  ],
  specRequired: false,
  spec: {
    type: 'object',
    title: 'BFDProfileSpec',
    description: 'Desired state of a BFDProfile.',
    properties: {
      receiveInterval: interval('Shortest interval at which this system can receive control packets.', D.receiveIntervalMs),
      transmitInterval: interval('Shortest interval (less jitter) at which this system wants to send control packets.', D.transmitIntervalMs),
      detectMultiplier: {
        type: 'integer',
        format: 'int32',
        description: 'Packets lost in a row (times the remote interval) before the session is declared down.',
        minimum: 2,
        maximum: 255,
        default: D.detectMultiplier,
      },
      echoInterval: interval('Shortest interval at which this system can handle echo packets.', D.echoIntervalMs),
      echoMode: {
        type: 'boolean',
        description: 'Send echo packets; not supported for multi-hop sessions.',
        default: D.echoMode,
      },
      passiveMode: {
        type: 'boolean',
        description: 'Wait for the peer to send control packets before replying.',
        default: D.passiveMode,
      },
      minimumTtl: {
        type: 'integer',
        format: 'int32',
        description: 'Multi-hop sessions only: the lowest TTL accepted on incoming control packets.',
        minimum: 1,
        maximum: 254,
      },
    },
  },
  status: { type: 'object', title: 'BFDProfileStatus', description: 'Observed state (reserved).', properties: {} },
};
