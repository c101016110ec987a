// No drift: the repository's files applied with the real kubectl (server-side), the real
// `portside controller` process run against them until it has allocated, written status and
// recorded Events, and then `kubectl diff --server-side` of every file shows no change.
// Portside writes only status subresources and its own annotation and condition, under its
// own field managers, never a field the files set. Files: the install
// (config/manifests/portside.yaml), every sample in config/samples/ (the per-kind ones with
// metallb-l2.yaml, then metallb-bgp.yaml, whose pools overlap theirs), and Services as a
// user's repository holds them, with MetalLB's annotations.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { V1Service } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../crds/index.ts';
import { ROOT } from '../../hack/render/generated.ts';
import { parseObjects } from '../../hack/render/objects.ts';
import { ALLOCATED_CONDITION, POOL_ANNOTATION } from '../../operator/service-status.ts';
import { controlPlaneOrSkip, INSTALL_NAMESPACE, sharedControlPlane } from '../controlplane.ts';
import { logTail, spawnLogged, stopProcess } from '../controlplane.process.ts';
import { waitFor } from '../wait.ts';
import { kubectlBinary, kubectlFor, mustRun, serverSideDiff } from './sync.ts';

const shared = sharedControlPlane({ crds: false });

interface ManagedObject {
  kind: string;
  metadata: { name: string; managedFields?: { manager: string; operation: string; subresource?: string; fieldsV1?: Record<string, unknown> }[] };
}
const BIN = join(ROOT, 'bin/portside.ts');
const NS = INSTALL_NAMESPACE;

/** Services as a MetalLB user's repository holds them: every metallb.io/… knob, and the older prefix. */
function servicesYaml(pool: string, fixedIp: string, sharedIp: string): string {
  const svc = (name: string, port: number, annotations: Record<string, string>): string => [
    'apiVersion: v1', 'kind: Service', 'metadata:', `  name: ${name}`, '  namespace: shop', '  annotations:',
    ...Object.entries(annotations).map(([k, v]) => `    ${k}: "${v}"`),
    'spec:', '  type: LoadBalancer', '  selector:', '    app: web', '  ports:', `    - port: ${port}`, '      protocol: TCP', '',
  ].join('\n');
  return [
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
    svc(`web-${pool}`, 80, { 'metallb.io/address-pool': pool }),
    svc(`fixed-${pool}`, 80, { 'metallb.io/loadBalancerIPs': fixedIp }),
    svc(`shared-a-${pool}`, 80, { 'metallb.io/loadBalancerIPs': sharedIp, 'metallb.io/allow-shared-ip': 'k' }),
    svc(`shared-b-${pool}`, 443, { 'metallb.io/loadBalancerIPs': sharedIp, 'metallb.io/allow-shared-ip': 'k' }),
    svc(`legacy-${pool}`, 80, { 'metallb.universe.tf/address-pool': pool }),
  ].join('---\n');
}

/**
 * The user's own objects the per-kind samples name: the second ToR of the BGPAdvertisement
 * sample (`peers: [tor-a, tor-b]`), and tor-a's password Secret (a missing one makes the
 * configuration invalid, as in MetalLB).
 */
const TOR_B = `apiVersion: portside.dev/v1beta1
kind: BGPPeer
metadata:
  name: tor-b
  namespace: ${NS}
spec:
  myASN: 64512
  peerASN: 64513
  peerAddress: 203.0.113.2
---
apiVersion: v1
kind: Secret
metadata:
  name: tor-a-password
  namespace: ${NS}
type: kubernetes.io/basic-auth
data:
  password: ${Buffer.from('not-a-real-password').toString('base64')}
`;

test('after the controller has run, kubectl diff --server-side of the repository\'s files shows no change', async (t) => {
  const cp = controlPlaneOrSkip(t, shared);
  if (!cp) return;
  const work = await mkdtemp(join(tmpdir(), 'portside-drift-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const kubectl = kubectlFor(await kubectlBinary(), cp.kubeconfigPath, join(work, 'cache'));
  const core = cp.kubeconfig.makeApiClient(CoreV1Api);
  const custom = cp.kubeconfig.makeApiClient(CustomObjectsApi);
  const file = (f: string): string => (f.startsWith('/') ? f : join(ROOT, f));
  const apply = (files: readonly string[]) => mustRun(kubectl, ['apply', '--server-side', ...files.flatMap((f) => ['-f', file(f)])]);
  const diffs = async (files: readonly string[]): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const f of files) {
      const objects = parseObjects(await readFile(file(f), 'utf8'), f);
      out[f.replace(`${work}/`, '')] = await serverSideDiff(kubectl, objects);
    }
    return out;
  };
  /** Fields Portside's managers own outside status and its own annotation, per object of the files. */
  const foreignWrites = async (files: readonly string[]): Promise<string[]> => {
    const out: string[] = [];
    for (const f of files) {
      const list = JSON.parse(await mustRun(kubectl, ['get', '--show-managed-fields', '-o', 'json', '-f', file(f)])) as { items?: ManagedObject[] } & ManagedObject;
      for (const o of list.items ?? [list]) {
        for (const m of o.metadata.managedFields ?? []) {
          if (!m.manager.startsWith('portside')) continue;
          const owned = Object.keys(m.fieldsV1 ?? {}).filter((k) => k !== 'f:status' && k !== 'f:metadata');
          const meta = (m.fieldsV1?.['f:metadata'] ?? {}) as Record<string, Record<string, unknown>>;
          owned.push(...Object.keys(meta).filter((k) => k !== 'f:annotations'));
          owned.push(...Object.keys(meta['f:annotations'] ?? {}).filter((k) => !k.startsWith('f:portside.dev/')));
          if (m.subresource !== 'status') owned.push(`(not through the status subresource: ${m.operation})`);
          if (owned.length > 0) out.push(`${o.kind} ${o.metadata.name} ${m.manager}: ${owned.join(' ')}`);
        }
      }
    }
    return out;
  };
  const noDrift = (files: readonly string[]) => Object.fromEntries(files.map((f) => [f.replace(`${work}/`, ''), '']));

  await apply(['config/manifests/portside.yaml']);
  await mustRun(kubectl, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  const samples = (await readdir(join(ROOT, 'config/samples'))).filter((f) => f.endsWith('.yaml')).sort();
  const perKind = samples.filter((f) => f.startsWith('portside.dev_')).map((f) => `config/samples/${f}`);
  assert.ok(perKind.length >= 9, `a sample per kind: ${perKind.join(' ')}`);
  const phases = [
    { samples: [...perKind, 'config/samples/metallb-l2.yaml'], extra: [join(work, 'tor-b.yaml')], pool: 'first-pool', ips: ['198.51.100.250', '198.51.100.251'] as const },
    { samples: ['config/samples/metallb-bgp.yaml'], extra: [], pool: 'bgp-pool', ips: ['203.0.113.50', '203.0.113.51'] as const },
  ];
  await writeFile(join(work, 'tor-b.yaml'), TOR_B);
  assert.deepEqual(phases.flatMap((p) => p.samples).map((f) => f.replace('config/samples/', '')).sort(), samples, 'every sample is used');

  let previous: string[] = [];
  for (const [i, phase] of phases.entries()) {
    const services = join(work, `services-${phase.pool}.yaml`);
    await writeFile(services, servicesYaml(phase.pool, phase.ips[0], phase.ips[1]));
    if (previous.length > 0) await mustRun(kubectl, ['delete', '--wait=true', ...previous.flatMap((f) => ['-f', file(f)])]);
    const files = ['config/manifests/portside.yaml', ...phase.samples, ...phase.extra, services];
    await apply(files.slice(1));
    // Nothing changes before Portside runs (the files are applied, that is all).
    assert.deepEqual(await diffs(files), noDrift(files), `phase ${i + 1}: converged before the controller`);

    const controller = spawnLogged('portside-controller', process.execPath, [
      BIN, 'controller', '--kubeconfig', cp.kubeconfigPath, '--namespace', NS, '--metrics-addr', '127.0.0.1:0', '--log-level', 'debug',
    ], join(cp.dir, `drift-controller-${i}.log`));
    try {
      const names = parseObjects(await readFile(services, 'utf8'), services).filter((o) => o.kind === 'Service').map((o) => o.metadata.name);
      // Allocations, annotations, conditions, pool status, ConfigurationState and Events, all written.
      const allocated = await waitFor(async () => {
        if (controller.exitedAlready()) throw new Error(`controller exited:\n${logTail(controller.logPath)}`);
        const svcs: V1Service[] = await Promise.all(names.map((name) => core.readNamespacedService({ namespace: 'shop', name })));
        return svcs.every((s) => (s.status?.loadBalancer?.ingress ?? []).length > 0 && s.metadata?.annotations?.[POOL_ANNOTATION] &&
          s.status?.conditions?.some((c) => c.type === ALLOCATED_CONDITION && c.status === 'True')) && svcs;
      }, { timeoutMs: 30_000, intervalMs: 200, what: `phase ${i + 1}: every Service allocated` }).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${logTail(controller.logPath)}`, { cause: err });
      });
      t.diagnostic(`phase ${i + 1}: ${allocated.map((s) => `${s.metadata?.name}=${s.status?.loadBalancer?.ingress?.map((x) => x.ip).join(',')}`).join(' ')}`);
      await waitFor(async () => {
        const pool = await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'ipaddresspools', namespace: NS, name: phase.pool }) as { status?: { assignedIPv4?: number } };
        return (pool.status?.assignedIPv4 ?? 0) > 0;
      }, { timeoutMs: 10_000, what: `IPAddressPool ${phase.pool} status` });
      await waitFor(async () => {
        const state = await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'configurationstates', namespace: NS, name: 'controller' }) as { status?: { result?: string } };
        return state.status?.result === 'Valid';
      }, { timeoutMs: 10_000, what: 'ConfigurationState controller Valid' });
      await waitFor(async () => (await core.listNamespacedEvent({ namespace: 'shop' })).items.some((e) => e.source?.component === 'portside-controller'),
        { timeoutMs: 10_000, what: 'an Event from the controller' });

      assert.deepEqual(await diffs(files), noDrift(files), `phase ${i + 1}: no drift after the controller ran`);
      assert.deepEqual(await foreignWrites(files), [], `phase ${i + 1}: Portside's managers own only status and portside.dev annotations`);
    } finally {
      await stopProcess(controller);
    }
    previous = [...phase.samples, ...phase.extra];
  }
  // The diff sees drift when there is some: a field the files own, changed by another writer.
  const services = join(work, 'services-bgp-pool.yaml');
  await mustRun(kubectl, ['annotate', '--overwrite', '-n', 'shop', 'service/web-bgp-pool', 'metallb.io/address-pool=elsewhere']);
  assert.match((await diffs([services]))['services-bgp-pool.yaml'] ?? '', /-\s+metallb\.io\/address-pool: elsewhere\n\+\s+metallb\.io\/address-pool: bgp-pool/);
});
