// Fixture factories and assertions for the config tests (each call returns fresh objects).
import assert from 'node:assert/strict';
import type { BuildInput, BuildResult, ConfigKind } from './types.ts';
import type {
  BFDProfileInput as BFDProfile, BGPAdvertisementInput as BGPAdvertisement, BGPPeerInput as BGPPeer, CommunityInput as Community,
  IPAddressPoolInput as IPAddressPool, L2AdvertisementInput as L2Advertisement,
} from './resources.ts';

const meta = (name: string, labels?: Record<string, string>) => ({ name, namespace: 'portside-system', ...(labels ? { labels } : {}) });

export const pool = (name: string, spec: Partial<IPAddressPool['spec']> = {}, labels?: Record<string, string>): IPAddressPool =>
  ({ metadata: meta(name, labels), spec: { addresses: [], ...spec } });
export const l2 = (name: string, spec: L2Advertisement['spec'] = {}): L2Advertisement => ({ metadata: meta(name), spec });
export const bgpAdv = (name: string, spec: BGPAdvertisement['spec'] = {}): BGPAdvertisement => ({ metadata: meta(name), spec });
export const peer = (name: string, spec: Partial<BGPPeer['spec']> = {}): BGPPeer =>
  ({ metadata: meta(name), spec: { myASN: 64512, peerASN: 64513, peerAddress: '198.51.100.254', ...spec } });
export const bfd = (name: string, spec: BFDProfile['spec'] = {}): BFDProfile => ({ metadata: meta(name), spec });
export const community = (name: string, aliases: Array<[string, string]>): Community =>
  ({ metadata: meta(name), spec: { communities: aliases.map(([n, value]) => ({ name: n, value })) } });

export function input(over: Partial<BuildInput> = {}): BuildInput {
  return {
    pools: [pool('default', { addresses: ['198.51.100.0/24', '2001:db8::/64'] })],
    l2Advertisements: [], bgpAdvertisements: [], bgpPeers: [], bfdProfiles: [], communities: [],
    ...over,
  };
}

export interface ErrorCase {
  name: string;
  input: BuildInput;
  /** Undefined: the input is valid. */
  want?: { kind: ConfigKind; name: string; field: string; message?: RegExp };
  /** A warning the build must carry (valid or not). */
  warning?: { kind: ConfigKind; name: string; field: string; message?: RegExp };
}

export function assertCase(c: ErrorCase, result: BuildResult): void {
  const ww = c.warning;
  if (ww) {
    const hit = result.warnings.find((e) => e.kind === ww.kind && e.name === ww.name && e.field === ww.field);
    assert.ok(hit, `${c.name}: no warning ${ww.kind}/${ww.name} ${ww.field} in ${JSON.stringify(result.warnings, null, 1)}`);
    if (ww.message) assert.match(hit.message, ww.message, c.name);
  }
  if (!c.want) {
    assert.ok(result.ok, `${c.name}: expected valid, got ${JSON.stringify(!result.ok && result.errors, null, 1)}`);
    return;
  }
  assert.ok(!result.ok, `${c.name}: expected an error`);
  const w = c.want;
  const hit = result.errors.find((e) => e.kind === w.kind && e.name === w.name && e.field === w.field);
  assert.ok(hit, `${c.name}: no error ${w.kind}/${w.name} ${w.field} in ${JSON.stringify(result.errors, null, 1)}`);
  if (w.message) assert.match(hit.message, w.message, c.name);
}
