import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { API_VERSION, KIND_NAMES, parsePortsideObject } from './index.ts';

const SAMPLES = join(import.meta.dirname, '..', 'config', 'samples');

function samples(): { file: string; obj: unknown }[] {
  return readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(SAMPLES, file), 'utf8')).map((doc) => ({ file, obj: doc.toJS() as unknown })),
    );
}

test('every sample is a valid Portside object', () => {
  const all = samples();
  assert.ok(all.length > 0);
  for (const { file, obj } of all) {
    const result = parsePortsideObject(obj);
    assert.ok(result.ok, `${file}: ${JSON.stringify(result.ok ? [] : result.errors)}`);
    assert.equal(result.value.apiVersion, API_VERSION);
    assert.equal(result.value.metadata.namespace, 'portside-system', file);
  }
});

test('there is a sample of every kind, plus the MetalLB-style setups', () => {
  const kinds = new Set(samples().map(({ obj }) => (obj as { kind: string }).kind));
  assert.deepEqual([...kinds].sort(), Object.keys(KIND_NAMES).sort());
  const files = readdirSync(SAMPLES);
  assert.ok(files.includes('metallb-l2.yaml') && files.includes('metallb-bgp.yaml'));
});

test('samples use documentation addresses and private ASNs only', () => {
  const allowed = /^(198\.51\.100\.|203\.0\.113\.|2001:db8:)/u;
  let seen = 0;
  for (const { file, obj } of samples()) {
    const text = JSON.stringify(obj);
    for (const value of text.match(/"[^"]*"/gu) ?? []) {
      for (const part of value.slice(1, -1).split(/[-/]/u).map((p) => p.trim())) {
        if (isIP(part) === 0) continue;
        seen += 1;
        assert.match(part, allowed, `${file}: ${part}`);
      }
    }
    for (const asn of text.match(/"(myASN|peerASN|localASN)":(\d+)/gu) ?? []) {
      assert.ok(Number(asn.split(':')[1]) >= 64512, `${file}: ${asn}`);
    }
  }
  assert.ok(seen > 10);
});

test('parsing applies the schema defaults, as the apiserver does', () => {
  const result = parsePortsideObject({
    apiVersion: API_VERSION,
    kind: 'BGPPeer',
    metadata: { name: 'p' },
    spec: { myASN: 64512, peerASN: 64513, peerAddress: '203.0.113.1' },
  });
  assert.ok(result.ok);
  assert.equal(result.value.kind === 'BGPPeer' && result.value.spec.peerPort, 179);
});
