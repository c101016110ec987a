import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { crdFileName, renderAll } from './render.ts';
import { KINDS } from '../../crds/source/index.ts';
import { celRules } from '../../crds/views.ts';

const ROOT = join(import.meta.dirname, '..', '..');

test('generated files are up to date (run make generate)', async () => {
  const files = await renderAll();
  for (const [path, text] of files) {
    assert.equal(readFileSync(join(ROOT, path), 'utf8'), text, `${path} is stale`);
  }
});

test('generation is deterministic', async () => {
  assert.deepEqual(await renderAll(), await renderAll());
});

interface CrdRule {
  path: string;
  rule: string;
  message: string;
}

function crdRules(node: unknown, path: string, out: CrdRule[]): CrdRule[] {
  if (typeof node !== 'object' || node === null) return out;
  const schema = node as Record<string, unknown>;
  for (const r of (schema['x-kubernetes-validations'] ?? []) as { rule: string; message: string }[]) {
    out.push({ path, rule: r.rule, message: r.message });
  }
  for (const [key, child] of Object.entries((schema.properties ?? {}) as Record<string, unknown>)) {
    crdRules(child, `${path}.${key}`, out);
  }
  if (schema.items) crdRules(schema.items, `${path}[*]`, out);
  if (schema.additionalProperties) crdRules(schema.additionalProperties, `${path}.*`, out);
  return out;
}

test('every CEL rule in the CRDs has a runtime check, and no check lacks a rule', () => {
  for (const source of KINDS) {
    const crd = parse(readFileSync(join(ROOT, 'crds', crdFileName(source)), 'utf8')) as {
      spec: { versions: { schema: { openAPIV3Schema: unknown } }[] };
    };
    const inCrd = crdRules(crd.spec.versions[0]?.schema.openAPIV3Schema, '', []);
    const runtime = celRules(source);
    for (const { rule } of runtime) assert.equal(typeof rule.check, 'function', `${source.kind}: ${rule.message}`);
    const byPath = (a: CrdRule, b: CrdRule): number => (a.path + a.rule < b.path + b.rule ? -1 : 1);
    assert.deepEqual(
      inCrd.sort(byPath),
      runtime.map(({ path, rule }) => ({ path, rule: rule.rule, message: rule.message })).sort(byPath),
      source.kind,
    );
  }
});

test('every kind is namespaced, served as v1beta1 with a status subresource and printer columns', () => {
  for (const source of KINDS) {
    const crd = parse(readFileSync(join(ROOT, 'crds', crdFileName(source)), 'utf8')) as {
      metadata: { name: string };
      spec: { scope: string; versions: { name: string; subresources: unknown; additionalPrinterColumns: unknown[] }[] };
    };
    assert.equal(crd.metadata.name, `${source.plural}.portside.dev`);
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.equal(crd.spec.versions[0]?.name, 'v1beta1');
    assert.deepEqual(crd.spec.versions[0]?.subresources, { status: {} });
    assert.ok((crd.spec.versions[0]?.additionalPrinterColumns.length ?? 0) >= 2);
  }
});
