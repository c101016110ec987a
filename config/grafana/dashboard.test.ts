// The Grafana dashboard names only metrics Portside exports: every metric in each PromQL
// expression is looked up in the registries the shipped metric facades fill, and every
// facade in the shipped code is one of those instantiated here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { createRegistry } from '../../lib/metrics/index.ts';
import { ControllerMetrics } from '../../operator/metrics.ts';
import { BfdStats } from '../../speaker/bfd/metrics.ts';
import { BgpStats } from '../../speaker/bgp/metrics.ts';
import { L2Stats } from '../../speaker/l2/l2-stats.ts';
import { MeshStats } from '../../speaker/liveness/mesh-stats.ts';
import { SpeakerStats } from '../../speaker/status/metrics.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const FACADES = { ControllerMetrics, SpeakerStats, BgpStats, BfdStats, L2Stats, MeshStats };

interface Panel { type: string; title: string; targets?: { expr: string }[]; panels?: Panel[] }

/** What each program's /metrics serves: its default process metrics and its facades, registered as main does. */
async function exported(): Promise<Set<string>> {
  const controller = createRegistry({ defaultMetricsPrefix: 'portside_controller_' });
  new ControllerMetrics(controller);
  const speaker = createRegistry({ defaultMetricsPrefix: 'portside_speaker_' });
  new SpeakerStats(speaker);
  new BgpStats(speaker);
  new BfdStats(speaker);
  new L2Stats(speaker);
  new MeshStats(speaker);
  const names = new Set<string>();
  for (const r of [controller, speaker]) {
    for (const m of await r.getMetricsAsJSON()) {
      names.add(m.name);
      if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    }
  }
  return names;
}

function shippedFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return shippedFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

test('every metric facade in the shipped code is instantiated here', () => {
  const found = ['lib', 'operator', 'speaker'].flatMap((d) => shippedFiles(join(ROOT, d)))
    .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/export class (\w+) extends (MetricsFacade|K8sClientStats)\b/g)]
      .map((m) => `${relative(ROOT, f)}: ${m[1]}`));
  const abstractBases = ['K8sClientStats'];
  const missing = found.filter((f) => !Object.hasOwn(FACADES, f.split(': ')[1]!) && !abstractBases.includes(f.split(': ')[1]!));
  assert.deepEqual(missing, [], 'a facade whose metrics this test would not see');
  assert.ok(found.length >= Object.keys(FACADES).length, found.join('\n'));
});

test('config/grafana/portside-dashboard.json: every PromQL expression names only metrics Portside exports', async () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'config/grafana/portside-dashboard.json'), 'utf8')) as {
    uid: string; panels: Panel[]; templating: { list: { name: string; definition?: string }[] };
  };
  assert.equal(dashboard.uid, 'portside');
  const names = await exported();
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
  assert.ok(panels.length >= 15, `${panels.length} panels`);
  const exprs = [
    ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
    ...dashboard.templating.list.flatMap((v) => (v.definition ? [{ where: `$${v.name}`, expr: v.definition }] : [])),
  ];
  const used = new Set<string>();
  for (const { where, expr } of exprs) {
    const metrics = [...expr.matchAll(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?=\s*[{[),]|\s*$|\s*==)/g)]
      .map((m) => m[0])
      .filter((n) => n.startsWith('portside_'));
    assert.ok(metrics.length > 0, `${where}: ${expr} names no metric`);
    for (const m of metrics) {
      assert.ok(names.has(m), `${where}: ${m} is not exported by Portside`);
      used.add(m);
    }
    assert.doesNotMatch(expr, /\bmetallb_/, `${where}: a MetalLB name`);
  }
  // Every MetalLB counterpart of docs/METALLB-COMPAT.md has a panel.
  const doc = readFileSync(join(ROOT, 'docs/METALLB-COMPAT.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## Metrics'), doc.indexOf('Portside\'s own, with no MetalLB counterpart'));
  const counterparts = new Set([...table.matchAll(/`(portside_[a-z0-9_]+)/g)].map((m) => m[1]!));
  assert.ok(counterparts.size >= 15, [...counterparts].join(' '));
  for (const c of counterparts) {
    assert.ok(names.has(c), `docs name ${c}, which Portside does not export`);
    assert.ok(used.has(c), `no panel shows ${c}`);
  }
});
