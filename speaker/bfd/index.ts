// Public surface of Portside's BFD (RFC 5880 / 5881: single hop, asynchronous mode, no
// echo, no demand, no authentication).
export { BfdManager } from './manager.ts';
export type { AddSessionOptions, BfdManagerOptions } from './manager.ts';
export { BfdSession } from './session.ts';
export type { BfdSessionEvents, StateChange } from './session.ts';
export { BfdStats } from './metrics.ts';
export { decodeControlPacket, encodeControlPacket, Diag, diagName, SESSION_STATES, BFD_VERSION } from './packet.ts';
export type { BfdState, ControlPacket, DecodeResult, DiagCode, PacketError, PacketErrorKind } from './packet.ts';
export { minimumReceiveTtl, SINGLE_HOP_TTL, toSessionConfig, validateProfile } from './profile.ts';
export type { BfdSessionConfig } from './profile.ts';
export { controlPacket, detectionTimeMs, remoteDetectionTimeMs, initialSessionState, mayTransmit, nextWakeup, step } from './session-fsm.ts';
export type { RemoteValues, SessionFsmAction, SessionFsmEvent, SessionFsmState, StepContext, StepResult } from './session-fsm.ts';
export { BFD_CONTROL_PORT, BfdListener, BfdSender, SOURCE_PORT_MAX, SOURCE_PORT_MIN } from './transport.ts';
