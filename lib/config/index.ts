export * from './types.ts';
export type * from './resources.ts';
export { buildConfig } from './build.ts';
export { parseCommunityValue, resolveCommunity, communityKey, type CommunityParse } from './community.ts';
export { DEFAULT_HOLD_MS, DEFAULT_KEEPALIVE_MS } from './timers.ts';
export { FRR_BACKEND, type BackendChecks } from './backend.ts';
