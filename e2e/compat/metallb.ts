// What both MetalLB compatibility tests share: the MetalLB module (fetched by
// hack/metallb-module.sh, read in place) and loading converted objects as a speaker does.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { V1Secret } from '@kubernetes/client-node';
import { buildConfig } from '../../lib/config/index.ts';
import type { BuildResult } from '../../lib/config/index.ts';

const REPO = new URL('../..', import.meta.url).pathname;

/** The namespace the converted objects land in (the install's). */
export const NAMESPACE = 'portside-system';

/** The MetalLB module's directory, or undefined (one loud line) when it cannot be fetched outside CI. */
export function metallbModuleDir(): string | undefined {
  const r = spawnSync('bash', [join(REPO, 'hack/metallb-module.sh')], { encoding: 'utf8' });
  if (r.status === 0) return r.stdout.trim();
  const why = `hack/metallb-module.sh failed: ${r.stderr.trim().split('\n').at(-1) ?? r.status}`;
  if (process.env.CI === 'true') throw new Error(why);
  console.error(`SKIP MetalLB compatibility: ${why}`);
  return undefined;
}

/** Loads portside.dev objects through the config model as a speaker does: Secrets resolved (only those given exist). */
export function loadConverted(objects: readonly Record<string, unknown>[], secrets: readonly V1Secret[] = []): BuildResult {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  return buildConfig({
    pools: of('IPAddressPool'), l2Advertisements: of('L2Advertisement'), bgpAdvertisements: of('BGPAdvertisement'),
    bgpPeers: of('BGPPeer'), bfdProfiles: of('BFDProfile'), communities: of('Community'), secrets,
  });
}

/** One line for the test's diagnostic and the docs table. */
export function verdict(result: BuildResult): string {
  return result.ok
    ? `valid (${result.warnings.length} warning(s))`
    : result.errors.map((e) => `${e.kind}/${e.name} ${e.field}: ${e.message}`).join('; ');
}
