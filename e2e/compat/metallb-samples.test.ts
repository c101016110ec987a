// Item 1 of issue #14: MetalLB's own sample configs (its configsamples/, read in place from
// the Go module that hack/metallb-module.sh fetches), converted by `portside migrate`'s core,
// loaded through the config model, and judged against the verdict MetalLB's rules give
// (internal/config/config.go in the same module). docs/METALLB-COMPAT.md holds the table.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { V1Secret } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { BuildResult } from '../../lib/config/index.ts';
import { migrateDocuments } from '../../lib/migrate/migrate.ts';
import { loadConverted, metallbModuleDir, NAMESPACE, verdict } from './metallb.ts';

/** Where MetalLB's verdict is not "valid" (FRR mode, the default install, no Secrets in the cluster). */
const METALLB_REJECTS: Record<string, string> = {
  'bgppeer_withsecret.yaml': 'secret ref not found (passwordFromSecretForPeer: the Secret does not exist)',
};
/** Where Portside's native speaker refuses what MetalLB's FRR mode serves: the error names the FRR backend. */
const NATIVE_REFUSES: Record<string, { field: string }> = {
  'bgppeer_with_vrf.yaml': { field: 'spec.vrf' },
};

function load(file: string): { result: BuildResult; lost: string[] } {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Record<string, unknown> | null);
  const metallb = docs.filter((d) => d !== null && String(d.apiVersion).startsWith('metallb.io/'));
  const secrets = docs.filter((d) => d?.kind === 'Secret') as V1Secret[];
  const { objects, lost } = migrateDocuments(metallb, NAMESPACE);
  // As the speaker loads it: Secrets resolved (only those the sample ships exist).
  const result = loadConverted(objects, secrets);
  return { result, lost: lost.map((l) => `${l.object} ${l.field}`) };
}

test('MetalLB v0.16.2 configsamples: migrate carries everything, and each loads with MetalLB\'s verdict', (t) => {
  const dir = metallbModuleDir();
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
    rows.push(`${f}: ${verdict(result)}`);
  }
  t.diagnostic(rows.join('\n'));
});
