// Item 1 of issue #14, second half: the examples on MetalLB's website
// (website/content/configuration/*.md in the module hack/metallb-module.sh fetches, read in
// place), grouped into scenarios by the rule in website-examples.ts, converted by
// `portside migrate`'s core, loaded through the config model, and judged against the verdict
// MetalLB v0.16.2's rules give. docs/METALLB-COMPAT.md holds the table.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConverted, metallbModuleDir, NAMESPACE, verdict } from './metallb.ts';
import { pageScenarios } from './website-examples.ts';
import type { Scenario } from './website-examples.ts';

/** Where Portside's native speaker refuses what MetalLB's FRR mode serves: the error names the FRR backend. */
const NATIVE_REFUSES: Record<string, { field: string }> = {
  '_advanced_bgp_configuration#peering-and-annoucing-via-a-vrf': { field: 'spec.vrf' },
};

/** Kinds on the pages that are not MetalLB configuration, and why a migration leaves them alone. */
const NOT_CONFIGURATION: Record<string, string> = {
  'v1 Service': 'a user\'s Service: Portside reads it as it is',
  'frrk8s.metallb.io/v1beta1 FRRConfiguration': 'frr-k8s\'s own API, read by frr-k8s, not by MetalLB\'s config',
};

/**
 * MetalLB's verdict (FRR mode, internal/config/config.go): a name that matches nothing in
 * ipAddressPools or peers selects nothing and the config loads; a BGPPeer's missing
 * bfdProfile and an unknown community alias are TransientErrors: the config is not loaded.
 */
function metallbRejects(s: Scenario): string | undefined {
  const missing = s.unresolved.filter((r) => r.startsWith('BFDProfile/') || r.startsWith('Community alias '));
  return missing.length > 0 ? `references to nothing: ${missing.join(', ')}` : undefined;
}

test('MetalLB v0.16.2 website examples: migrate carries everything, and each scenario loads with MetalLB\'s verdict', (t) => {
  const dir = metallbModuleDir();
  if (!dir) { t.skip('no MetalLB module'); return; }
  const pagesDir = join(dir, 'website/content/configuration');
  const pages = readdirSync(pagesDir).filter((f) => f.endsWith('.md')).sort();
  const scenarios = pages.flatMap((f) => pageScenarios(f.replace(/\.md$/, ''), readFileSync(join(pagesDir, f), 'utf8'), NAMESPACE));
  assert.ok(scenarios.length >= 25, `${scenarios.length} scenarios from ${pages.length} pages`);
  assert.deepEqual([...new Set(scenarios.map((s) => s.id.split('#')[0]))].sort(),
    ['_advanced_bgp_configuration', '_advanced_ipaddresspool_configuration', '_advanced_l2_configuration', '_index', 'migration_to_crds'],
    'every page with MetalLB objects in a yaml block yields scenarios (calico, k3s, kube-router have none)');
  for (const id of Object.keys(NATIVE_REFUSES)) assert.ok(scenarios.some((s) => s.id === id), `scenario ${id} exists`);

  const rows: string[] = [];
  for (const s of scenarios) {
    assert.deepEqual(s.lost.map((l) => `${l.object} ${l.field}`), [], `${s.id}: migrate carries every field`);
    for (const kind of s.setAside) assert.ok(NOT_CONFIGURATION[kind], `${s.id}: ${kind} is set aside, and the test knows why`);
    const result = loadConverted(s.objects);
    const refused = NATIVE_REFUSES[s.id];
    const rejected = metallbRejects(s);
    if (refused) {
      assert.ok(!result.ok, `${s.id}: the native speaker refuses it`);
      const e = result.errors.find((x) => x.field === refused.field);
      assert.ok(e, `${s.id}: error on ${refused.field}`);
      assert.match(e.message, /--bgp-backend frr/);
    } else if (rejected) {
      assert.ok(!result.ok, `${s.id}: MetalLB rejects it (${rejected}), so must Portside`);
    } else {
      assert.ok(result.ok, `${s.id}: MetalLB accepts it; Portside said ${verdict(result)}`);
      // A fragment (a name defined nowhere on its page) loads in both, and Portside says which name matches nothing.
      for (const ref of s.unresolved) {
        const name = ref.split('/')[1]!;
        assert.ok(result.warnings.some((w) => w.message.includes(`"${name}" not found`)), `${s.id}: a warning names ${ref}`);
      }
    }
    const objects = s.objects.map((o) => `${String(o.kind)}/${String((o.metadata as { name: string }).name)}`).join(' ');
    rows.push(`${s.id}: [${objects}]${s.borrowed.length ? ` borrowed ${s.borrowed.join(' ')}` : ''}${s.setAside.length ? ` set aside ${s.setAside.join(', ')}` : ''} → ${verdict(result)}`);
  }
  t.diagnostic(rows.join('\n'));
});
