// Item 1 of issue #14: MetalLB's own sample configs (its configsamples/, read in place from
// the Go module that hack/metallb-module.sh fetches), converted by `portside migrate`'s core,
// loaded through the config model, and judged against the verdict MetalLB's rules give
// (internal/config/config.go in the same module). docs/METALLB-COMPAT.md holds the table.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { V1Secret } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { buildConfig } from '../../lib/config/index.ts';
import type { BuildResult } from '../../lib/config/index.ts';
import { migrateDocuments } from '../../lib/migrate/migrate.ts';

const REPO = new URL('../..', import.meta.url).pathname;

/** Where MetalLB's verdict is not "valid" (FRR mode, the default install, no Secrets in the cluster). */
const METALLB_REJECTS: Record<string, string> = {
  'bgppeer_withsecret.yaml': 'secret ref not found (passwordFromSecretForPeer: the Secret does not exist)',
};
/** Where Portside's native speaker refuses what MetalLB's FRR mode serves: the error names the FRR backend. */
const NATIVE_REFUSES: Record<string, { field: string }> = {
  'bgppeer_with_vrf.yaml': { field: 'spec.vrf' },
};

function moduleDir(): string | undefined {
  const r = spawnSync('bash', [join(REPO, 'hack/metallb-module.sh')], { encoding: 'utf8' });
  if (r.status === 0) return r.stdout.trim();
  const why = `hack/metallb-module.sh failed: ${r.stderr.trim().split('\n').at(-1) ?? r.status}`;
  if (process.env.CI === 'true') throw new Error(why);
  console.error(`SKIP MetalLB compatibility: ${why}`);
  return undefined;
}

function load(file: string): { result: BuildResult; lost: string[] } {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Record<string, unknown> | null);
  const metallb = docs.filter((d) => d !== null && String(d.apiVersion).startsWith('metallb.io/'));
  const secrets = docs.filter((d) => d?.kind === 'Secret') as V1Secret[];
  const { objects, lost } = migrateDocuments(metallb, 'portside-system');
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const result = buildConfig({
    pools: of('IPAddressPool'), l2Advertisements: of('L2Advertisement'), bgpAdvertisements: of('BGPAdvertisement'),
    bgpPeers: of('BGPPeer'), bfdProfiles: of('BFDProfile'), communities: of('Community'),
    // As the speaker loads it: Secrets resolved (only those the sample ships exist).
    secrets,
  });
  return { result, lost: lost.map((l) => `${l.object} ${l.field}`) };
}

test('MetalLB v0.16.2 configsamples: migrate carries everything, and each loads with MetalLB\'s verdict', (t) => {
  const dir = moduleDir();
  if (!dir) { t.skip('no MetalLB module'); return; }
  const files = readdirSync(join(dir, 'configsamples')).filter((f) => f.endsWith('.yaml')).sort();
  assert.ok(files.length >= 18, `configsamples has ${files.length} files`);
  const rows: string[] = [];
  for (const f of files) {
    const { result, lost } = load(join(dir, 'configsamples', f));
    assert.deepEqual(lost, [], `${f}: migrate carries every field`);
    const refused = NATIVE_REFUSES[f];
    const rejected = METALLB_REJECTS[f];
    if (refused) {
      assert.ok(!result.ok, `${f}: the native speaker refuses it`);
      const e = result.errors.find((x) => x.field === refused.field);
      assert.ok(e, `${f}: error on ${refused.field}`);
      assert.match(e.message, /--bgp-backend frr/);
    } else if (rejected) {
      assert.ok(!result.ok, `${f}: MetalLB rejects it (${rejected}), so must Portside`);
    } else {
      assert.ok(result.ok, `${f}: MetalLB accepts it; Portside said ${JSON.stringify(!result.ok && result.errors)}`);
    }
    rows.push(`${f}: ${result.ok ? `valid (${result.warnings.length} warning(s))` : result.errors.map((e) => `${e.kind}/${e.name} ${e.field}`).join(', ')}`);
  }
  t.diagnostic(rows.join('\n'));
});
