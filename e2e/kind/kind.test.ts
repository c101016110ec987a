// Static checks of the kind e2e (e2e/kind/run.sh). Pure: it cannot run here (no Docker
// engine), so this only proves the script parses and applies what exists (shellcheck
// lints it with every other script: hack/shellcheck.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const script = join(here, 'run.sh');
const source = readFileSync(script, 'utf8');

/** The kinds the portside.dev CRDs in the install manifest define. */
function portsideKinds(): Set<string> {
  const kinds = new Set<string>();
  for (const doc of parseAllDocuments(readFileSync(join(root, 'config/manifests/portside.yaml'), 'utf8'))) {
    const obj = doc.toJS() as { kind?: string; spec?: { group?: string; names?: { kind?: string } } } | null;
    if (obj?.kind === 'CustomResourceDefinition' && obj.spec?.group === 'portside.dev' && obj.spec.names?.kind) {
      kinds.add(obj.spec.names.kind);
    }
  }
  return kinds;
}

/** Bodies of the script's `<<EOF` / `<<'EOF'` heredocs. */
function heredocs(text: string): string[] {
  return [...text.matchAll(/<<-?'?(\w+)'?\n([\s\S]*?)\n\1\n/g)].map((m) => m[2] ?? '');
}

test('run.sh parses (bash -n)', () => {
  const r = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('run.sh applies the install manifest and creates the liveness Secret', async () => {
  const { LIVENESS_SECRET } = await import('../../speaker/runtime/node-info.ts');
  const manifest = /^MANIFEST=(\S+)$/m.exec(source)?.[1];
  assert.equal(manifest, 'config/manifests/portside.yaml');
  assert.ok(existsSync(join(root, manifest)), `${manifest} exists`);
  assert.match(source, /apply --server-side -f "\$MANIFEST"/);
  assert.match(source, new RegExp(`^LIVENESS_SECRET=${LIVENESS_SECRET}$`, 'm'));
  assert.match(source, /create secret generic "\$LIVENESS_SECRET" -n "\$NS"/);
  for (const file of ['e2e/kind/cluster.yaml', 'e2e/kind/frr.conf', 'Dockerfile']) {
    assert.ok(source.includes(file), `run.sh uses ${file}`);
    assert.ok(existsSync(join(root, file)), `${file} exists`);
  }
});

test('every Portside kind run.sh applies uses apiVersion portside.dev/v1beta1', () => {
  const kinds = portsideKinds();
  assert.ok(kinds.has('IPAddressPool') && kinds.has('BGPPeer'), 'CRD kinds found in the manifest');
  const seen = new Set<string>();
  for (const body of heredocs(source)) {
    for (const doc of body.split(/^---$/m)) {
      const kind = /^kind:\s*(\S+)\s*$/m.exec(doc)?.[1];
      if (!kind || !kinds.has(kind)) continue;
      seen.add(kind);
      assert.equal(/^apiVersion:\s*(\S+)\s*$/m.exec(doc)?.[1], 'portside.dev/v1beta1', `${kind} in run.sh`);
    }
  }
  assert.deepEqual([...seen].sort(), ['BGPAdvertisement', 'BGPPeer', 'IPAddressPool', 'L2Advertisement']);
});

test('cluster.yaml is a kind Cluster with one control plane and two workers', () => {
  const cluster = parse(readFileSync(join(here, 'cluster.yaml'), 'utf8')) as {
    kind?: string; apiVersion?: string; nodes?: { role?: string }[];
  };
  assert.equal(cluster.kind, 'Cluster');
  assert.equal(cluster.apiVersion, 'kind.x-k8s.io/v1alpha4');
  assert.deepEqual(cluster.nodes?.map((n) => n.role), ['control-plane', 'worker', 'worker']);
});

test('frr.conf template has the placeholders run.sh fills', () => {
  const conf = readFileSync(join(here, 'frr.conf'), 'utf8');
  for (const line of ['bgp listen range @KIND_SUBNET@ peer-group nodes', 'no bgp ebgp-requires-policy', 'maximum-paths']) {
    assert.ok(conf.includes(line), `frr.conf has ${line}`);
  }
  for (const placeholder of new Set(conf.match(/@[A-Z_]+@/g) ?? [])) {
    assert.ok(source.includes(`s|${placeholder}|`), `run.sh replaces ${placeholder}`);
  }
});
