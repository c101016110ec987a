// The install manifests, statically: generated files are current (the real kustomize
// renders them), every object is well formed, RBAC is least privilege, the workloads run
// as designed, the chart lints clean, and real `helm template` renders the same objects
// as the kustomize base.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, RENDERED, staleFiles } from '../hack/render/generated.ts';
import { CHART_CASES } from '../hack/render/chart-cases.ts';
import { idOf, parseObjects } from '../hack/render/objects.ts';
import type { KubeObject } from '../hack/render/objects.ts';
import { helmLint, helmTemplate, kustomizeBuild, tools, toolVersions } from '../hack/render/tools.ts';

const NS = 'portside-system';
const CHART = join(ROOT, 'config/charts/portside');
const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);
const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };

const load = async (path: string): Promise<KubeObject[]> => parseObjects(await readFile(join(ROOT, path), 'utf8'), path);
const base = await load('config/manifests/portside.yaml');
const withPrometheus = await load('config/manifests/portside-prometheus.yaml');
const withFrr = await load('config/manifests/portside-frr.yaml');

function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind} ${name} is missing`);
  return o;
}

// ---- RBAC: what a ServiceAccount may do, from the objects alone ----
interface Rule { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] }
interface Grant { rule: Rule; namespace: string | undefined; role: string } // namespace undefined: cluster-wide

function grantsOf(objects: KubeObject[], sa: string): Grant[] {
  const grants: Grant[] = [];
  for (const b of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    const subjects = (b.subjects ?? []) as { kind: string; name: string; namespace?: string }[];
    if (!subjects.some((s) => s.kind === 'ServiceAccount' && s.name === sa && s.namespace === NS)) continue;
    const ref = b.roleRef as { kind: string; name: string };
    const role = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name
      && (ref.kind === 'ClusterRole' || o.metadata.namespace === b.metadata.namespace));
    assert.ok(role, `${idOf(b)} refers to a missing ${ref.kind} ${ref.name}`);
    const namespace = b.kind === 'RoleBinding' ? b.metadata.namespace : undefined;
    for (const rule of (role.rules ?? []) as Rule[]) grants.push({ rule, namespace, role: idOf(role) });
  }
  return grants;
}

const has = (list: string[] | undefined, v: string): boolean => (list ?? []).includes(v) || (list ?? []).includes('*');

/** Whether some grant allows verb on group/resource in namespace (undefined: cluster-wide). */
function allowed(grants: Grant[], verb: string, group: string, resource: string, namespace?: string): boolean {
  return grants.some(({ rule, namespace: where }) =>
    (where === undefined || where === namespace)
    && has(rule.apiGroups, group) && has(rule.resources, resource) && has(rule.verbs, verb)
    && !rule.resourceNames?.length);
}

test('generated files are current (run `node hack/render-manifests.ts`)', async () => {
  assert.deepEqual(await staleFiles(), []);
});

test('every object has apiVersion, kind, metadata.name, and the right namespace', () => {
  const [basePath, prometheusPath, frrPath] = Object.keys(RENDERED);
  for (const [path, objects] of [[basePath, base], [prometheusPath, withPrometheus], [frrPath, withFrr]] as const) {
    assert.ok(objects.length > 0, path);
    for (const o of objects) {
      assert.match(o.apiVersion, /^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/, `${path}: ${idOf(o)}`);
      assert.match(o.kind, /^[A-Z][A-Za-z]+$/, `${path}: ${idOf(o)}`);
      assert.match(o.metadata.name, /^[a-z0-9]([a-z0-9.:-]*[a-z0-9])?$/, `${path}: ${idOf(o)}`);
      assert.equal(o.metadata.namespace, CLUSTER_SCOPED.has(o.kind) ? undefined : NS, `${path}: ${idOf(o)}`);
    }
  }
});

test('the Namespace allows the privileged speaker (Pod Security labels)', () => {
  const labels = find(base, 'Namespace', NS).metadata.labels ?? {};
  for (const mode of ['enforce', 'audit', 'warn']) assert.equal(labels[`pod-security.kubernetes.io/${mode}`], 'privileged');
});

test('the base carries every CRD in crds/, and no wildcard appears in any RBAC rule', async () => {
  const crds = base.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort();
  assert.equal(crds.length, 10);
  assert.ok(crds.every((n) => n.endsWith('.portside.dev')));
  for (const o of withPrometheus.filter((x) => x.kind === 'Role' || x.kind === 'ClusterRole')) {
    for (const rule of (o.rules ?? []) as Rule[]) {
      for (const v of [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs]) assert.notEqual(v, '*', idOf(o));
    }
  }
});

test('controller RBAC: what it needs; Secrets only in its namespace: read, and create the liveness key', () => {
  const g = grantsOf(base, 'controller');
  for (const verb of ['get', 'list', 'watch', 'update', 'patch']) assert.ok(allowed(g, verb, '', 'services', 'default'), verb);
  for (const verb of ['update', 'patch']) assert.ok(allowed(g, verb, '', 'services/status', 'default'), verb);
  for (const verb of ['get', 'list', 'watch']) assert.ok(allowed(g, verb, '', 'namespaces'), verb);
  for (const group of ['', 'events.k8s.io']) {
    for (const verb of ['create', 'patch']) assert.ok(allowed(g, verb, group, 'events', 'default'), `${group} ${verb}`);
  }
  for (const verb of ['get', 'create', 'update']) {
    assert.ok(allowed(g, verb, 'coordination.k8s.io', 'leases', NS), verb);
    assert.ok(!allowed(g, verb, 'coordination.k8s.io', 'leases', 'default'), `leases only in ${NS}`);
  }
  for (const r of ['ipaddresspools', 'l2advertisements', 'bgpadvertisements', 'bgppeers', 'bfdprofiles', 'communities']) {
    for (const verb of ['get', 'list', 'watch']) assert.ok(allowed(g, verb, 'portside.dev', r, NS), `${r} ${verb}`);
    assert.ok(!allowed(g, 'update', 'portside.dev', r, NS), `${r} is read-only`);
  }
  assert.ok(allowed(g, 'patch', 'portside.dev', 'ipaddresspools/status', NS));
  for (const verb of ['create', 'get', 'update', 'patch']) {
    assert.ok(allowed(g, verb, 'portside.dev', 'configurationstates', NS), verb);
    assert.ok(allowed(g, verb, 'portside.dev', 'configurationstates/status', NS), verb);
  }
  // Secrets: one namespaced Role (not a ClusterRole). Read: BGPPeer passwordSecret is checked as
  // MetalLB's controller checks it; create: the liveness key when absent. Never changed or deleted.
  const role = idOf(find(base, 'Role', 'portside-controller'));
  assert.deepEqual(g.filter(({ rule }) => has(rule.resources, 'secrets')), [
    { rule: { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }, namespace: NS, role },
    { rule: { apiGroups: [''], resources: ['secrets'], verbs: ['create'] }, namespace: NS, role },
  ], 'two rules of the namespaced Role');
  for (const verb of ['get', 'list', 'watch', 'create']) {
    assert.ok(allowed(g, verb, '', 'secrets', NS), `secrets ${verb} in ${NS}`);
    assert.ok(!allowed(g, verb, '', 'secrets', 'default'), `no secrets ${verb} elsewhere`);
    assert.ok(!allowed(g, verb, '', 'secrets'), `no secrets ${verb} cluster-wide`);
  }
  for (const verb of ['update', 'patch', 'delete']) assert.ok(!allowed(g, verb, '', 'secrets', NS), `the controller must not ${verb} Secrets`);
  assert.deepEqual(g.filter(({ rule }) => has(rule.resources, 'deployments')).map(({ namespace, rule }) => ({ namespace, rule })), [
    { namespace: NS, rule: { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['portside-controller'], verbs: ['get'] } },
  ], 'its own Deployment, read as the Secret\'s owner');
  for (const r of ['nodes', 'endpointslices', 'servicel2statuses', 'servicebgpstatuses']) {
    assert.ok(!g.some(({ rule }) => has(rule.resources, r)), `controller needs no ${r}`);
  }
});

test('speaker RBAC: reads what it announces, cannot change Services, Secrets only in its namespace', () => {
  const g = grantsOf(base, 'speaker');
  for (const verb of ['get', 'list', 'watch']) {
    for (const r of ['services', 'nodes', 'namespaces']) assert.ok(allowed(g, verb, '', r), `${r} ${verb}`);
    assert.ok(allowed(g, verb, 'discovery.k8s.io', 'endpointslices'), verb);
    assert.ok(allowed(g, verb, '', 'secrets', NS), `secrets ${verb} in ${NS}`);
    assert.ok(!allowed(g, verb, '', 'secrets', 'default'), `no secrets ${verb} elsewhere`);
  }
  for (const verb of ['create', 'update', 'patch', 'delete']) {
    assert.ok(!g.some(({ rule }) => has(rule.verbs, verb) && (has(rule.resources, 'services') || has(rule.resources, 'services/status'))),
      `the speaker must not ${verb} Services`);
  }
  for (const r of ['servicel2statuses', 'servicebgpstatuses', 'bgpsessionstates']) {
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) {
      assert.ok(allowed(g, verb, 'portside.dev', r, NS), `${r} ${verb}`);
      assert.ok(allowed(g, verb, 'portside.dev', `${r}/status`, NS) || ['list', 'watch', 'delete'].includes(verb), `${r}/status ${verb}`);
    }
  }
  for (const verb of ['create', 'get', 'update', 'patch']) assert.ok(allowed(g, verb, 'portside.dev', 'configurationstates', NS), verb);
  assert.ok(!allowed(g, 'update', 'portside.dev', 'ipaddresspools', NS), 'config kinds are read-only');
  assert.ok(!allowed(g, 'patch', 'portside.dev', 'ipaddresspools/status', NS), 'pool status is the controller\'s');
});

interface Container {
  name: string; image: string; command?: string[]; args: string[];
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number; protocol: string }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: {
    runAsUser?: number; runAsNonRoot?: boolean; allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean;
    capabilities: { drop: string[]; add?: string[] };
  };
}
interface PodSpec {
  serviceAccountName: string; hostNetwork?: boolean; dnsPolicy?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  tolerations?: { key: string; operator: string; effect: string }[];
  containers: Container[];
}
const podOf = (o: KubeObject): PodSpec => (o.spec as { template: { spec: PodSpec } }).template.spec;

function checkCommon(c: Container, metricsPort: number): void {
  assert.equal(c.image, `ghcr.io/portside/portside:${version}`);
  const fieldOf = (name: string): string | undefined => c.env.find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;
  assert.equal(fieldOf('POD_NAME'), 'metadata.name');
  assert.equal(fieldOf('POD_NAMESPACE'), 'metadata.namespace');
  assert.ok(c.args.includes('--namespace=$(POD_NAMESPACE)'));
  assert.ok(c.args.includes(`--metrics-addr=:${metricsPort}`));
  assert.deepEqual(c.ports.find((p) => p.name === 'monitoring'), { name: 'monitoring', containerPort: metricsPort, protocol: 'TCP' });
  assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'monitoring' });
  assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'monitoring' });
  assert.ok(c.resources.requests?.cpu && c.resources.requests.memory, 'requests');
  assert.ok(c.resources.limits?.memory, 'memory limit');
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
}

test('controller Deployment: 2 replicas, leader election, non-root, no capabilities', () => {
  const d = find(base, 'Deployment', 'portside-controller');
  assert.equal((d.spec as { replicas: number }).replicas, 2);
  const pod = podOf(d);
  assert.equal(pod.serviceAccountName, 'controller');
  assert.equal(pod.hostNetwork, undefined);
  assert.equal(pod.securityContext?.runAsNonRoot, true);
  assert.ok((pod.securityContext?.runAsUser ?? 0) > 0);
  const [c, ...rest] = pod.containers;
  assert.ok(c);
  assert.equal(rest.length, 0);
  assert.deepEqual(c.args.slice(0, 2), ['controller', '--leader-elect=true']);
  // The image's startup snapshot of the controller (hack/bundle.ts, the Dockerfile copies dist/ to /app).
  assert.deepEqual(c.command, ['node', '--snapshot-blob', '/app/controller.blob']);
  checkCommon(c, 7472);
  assert.equal(c.securityContext.capabilities.add, undefined);
});

test('speaker DaemonSet: host network, only NET_RAW/NET_ADMIN/NET_BIND_SERVICE, liveness on 7946/UDP', () => {
  const ds = find(base, 'DaemonSet', 'portside-speaker');
  const pod = podOf(ds);
  assert.equal(pod.serviceAccountName, 'speaker');
  assert.equal(pod.hostNetwork, true);
  assert.equal(pod.dnsPolicy, 'ClusterFirstWithHostNet');
  assert.ok(pod.tolerations?.some((t) => t.key === 'node-role.kubernetes.io/control-plane' && t.operator === 'Exists'));
  const [c, ...rest] = pod.containers;
  assert.ok(c);
  assert.equal(rest.length, 0);
  assert.deepEqual(c.args.slice(0, 2), ['speaker', '--node-name=$(NODE_NAME)']);
  assert.ok(c.args.includes('--liveness-port=7946'));
  assert.equal(c.env.find((e) => e.name === 'NODE_NAME')?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
  checkCommon(c, 7473);
  assert.deepEqual([...(c.securityContext.capabilities.add ?? [])].sort(), ['NET_ADMIN', 'NET_BIND_SERVICE', 'NET_RAW']);
  assert.deepEqual(c.ports.find((p) => p.containerPort === 7946), { name: 'liveness', containerPort: 7946, protocol: 'UDP' });
});

test('the prometheus overlay is the base plus metrics Services, ServiceMonitors and discovery RBAC', () => {
  const baseIds = new Set(base.map(idOf));
  const added = withPrometheus.filter((o) => !baseIds.has(idOf(o))).map((o) => `${o.kind}/${o.metadata.name}`).sort();
  assert.deepEqual(added, [
    'Role/portside-prometheus', 'RoleBinding/portside-prometheus',
    'Service/portside-controller-monitor', 'Service/portside-speaker-monitor',
    'ServiceMonitor/portside-controller', 'ServiceMonitor/portside-speaker',
  ]);
  for (const o of base) assert.deepEqual(withPrometheus.find((x) => idOf(x) === idOf(o)), o);
});

// ---- Helm chart ----
const byId = (objects: KubeObject[]): Map<string, KubeObject> => new Map(objects.map((o) => [idOf(o), o]));
/** What the chart must render: the kustomize output without the Namespace and CRDs (chart crds/ holds those). */
const chartPart = (objects: KubeObject[]): Map<string, KubeObject> =>
  byId(objects.filter((o) => o.kind !== 'Namespace' && o.kind !== 'CustomResourceDefinition'));

test('Chart.yaml and values.yaml follow package.json\'s version', async () => {
  const chart = await readFile(join(CHART, 'Chart.yaml'), 'utf8');
  assert.match(chart, new RegExp(`^version: ${version.replaceAll('.', '\\.')}$`, 'm'));
  assert.match(chart, new RegExp(`^appVersion: "${version.replaceAll('.', '\\.')}"$`, 'm'));
  assert.match(await readFile(join(CHART, 'values.yaml'), 'utf8'), new RegExp(`^  tag: "${version.replaceAll('.', '\\.')}"$`, 'm'));
});

const { defaults, monitoring, custom, hostFrr, frr } = CHART_CASES;

test('the chart with default values renders the base (helm template)', async () => {
  assert.deepEqual(byId(await helmTemplate(CHART, defaults)), chartPart(base));
});

test('the chart with prometheus.serviceMonitor.enabled renders the prometheus overlay', async () => {
  const objects = await helmTemplate(CHART, monitoring);
  assert.deepEqual(byId(objects), chartPart(withPrometheus));
});

test('the host-frr overlay and speaker.bgpBackend=host-frr: the base plus the backend flags and the vty socket hostPath', async () => {
  const overlay = parseObjects(await kustomizeBuild(join(ROOT, 'config/overlays/host-frr')), 'config/overlays/host-frr');
  const ds = find(overlay, 'DaemonSet', 'portside-speaker');
  const pod = podOf(ds) as { containers: { args?: string[]; volumeMounts?: unknown[] }[]; volumes?: unknown[] };
  assert.deepEqual(pod.containers[0]?.args?.slice(-2), ['--bgp-backend=host-frr', '--frr-vty-socket=/var/run/frr']);
  assert.deepEqual(pod.containers[0]?.volumeMounts?.at(-1), { name: 'frr-vty', mountPath: '/var/run/frr' });
  assert.deepEqual(pod.volumes?.at(-1), { name: 'frr-vty', hostPath: { path: '/var/run/frr', type: 'Directory' } });
  for (const o of base) if (idOf(o) !== idOf(ds)) assert.deepEqual(overlay.find((x) => idOf(x) === idOf(o)), o);
  assert.deepEqual(byId(await helmTemplate(CHART, hostFrr)), chartPart(overlay), 'the chart renders the overlay');
  const grouped = await helmTemplate(CHART, { ...hostFrr, values: { speaker: { bgpBackend: 'host-frr', hostFrr: { vtyGroup: 105 } } } });
  assert.deepEqual((podOf(find(grouped, 'DaemonSet', 'portside-speaker')) as { securityContext?: { supplementalGroups?: number[] } }).securityContext?.supplementalGroups, [105]);
  await assert.rejects(helmTemplate(CHART, { ...defaults, values: { speaker: { bgpBackend: 'bird' } } }), /speaker\.bgpBackend "bird": native, frr or host-frr/);
});

interface SidecarContainer {
  name: string; image: string; command?: string[]; args?: string[];
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: Container['securityContext'];
}
interface FrrPodSpec { securityContext?: { supplementalGroups?: number[] }; containers: SidecarContainer[]; volumes?: { name: string; emptyDir?: object }[] }

test('the frr overlay and speaker.bgpBackend=frr: the base plus the sidecar FRR, its reloader, shared emptyDirs and the backend flags', async () => {
  const ds = find(withFrr, 'DaemonSet', 'portside-speaker');
  const pod = podOf(ds) as unknown as FrrPodSpec;
  assert.deepEqual(pod.containers.map((c) => c.name), ['speaker', 'frr', 'reloader']);
  const [speaker, frrc, reloader] = pod.containers as [SidecarContainer, SidecarContainer, SidecarContainer];
  assert.deepEqual(speaker.args?.slice(-3), ['--bgp-backend=frr', '--frr-vty-socket=/var/run/frr', '--frr-config-dir=/etc/frr-portside']);
  // frrvty (gid 901 in both images): the vty sockets are 0770 frr:frrvty and no container has CAP_DAC_OVERRIDE.
  assert.deepEqual(pod.securityContext?.supplementalGroups, [901]);
  const mounts = (c: SidecarContainer) => Object.fromEntries((c.volumeMounts ?? []).map((m) => [m.name, m.mountPath]));
  assert.equal(mounts(speaker)['frr-sockets'], '/var/run/frr');
  assert.equal(mounts(speaker)['frr-config'], '/etc/frr-portside');
  assert.deepEqual(mounts(frrc), { 'frr-sockets': '/var/run/frr', 'frr-tmp': '/var/tmp/frr' }, 'FRR sees no config dir: only the reloader applies it');
  assert.deepEqual(mounts(reloader), { 'frr-sockets': '/var/run/frr', 'frr-config': '/etc/frr-portside', 'reloader-tmp': '/tmp' });
  assert.deepEqual(pod.volumes?.filter((v) => v.emptyDir).map((v) => v.name), ['frr-sockets', 'frr-config', 'frr-tmp', 'reloader-tmp']);
  for (const c of [frrc, reloader]) {
    assert.equal(c.image, `ghcr.io/portside/portside-frr:${version}`, c.name);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], c.name);
    assert.ok(c.resources?.requests?.cpu && c.resources.limits?.memory, `${c.name}: requests and a memory limit`);
  }
  // As MetalLB's FRR container (NET_ADMIN, NET_RAW, SYS_ADMIN, NET_BIND_SERVICE), plus SETUID/SETGID to drop to user frr.
  assert.deepEqual([...(frrc.securityContext.capabilities.add ?? [])].sort(), ['NET_ADMIN', 'NET_BIND_SERVICE', 'NET_RAW', 'SETGID', 'SETUID', 'SYS_ADMIN']);
  assert.equal(frrc.command, undefined, 'the image\'s entrypoint runs the daemons');
  assert.deepEqual(reloader.command, ['/usr/lib/portside-frr/reloader.sh']);
  assert.equal(reloader.securityContext.capabilities.add, undefined, 'the reloader needs no capability');
  assert.deepEqual(Object.fromEntries((reloader.env ?? []).map((e) => [e.name, e.value])), { PORTSIDE_FRR_CONFIG_DIR: '/etc/frr-portside', FRR_VTY_SOCKET: '/var/run/frr' });
  // The speaker container itself is the base's, with the flags and mounts added.
  const baseSpeaker = podOf(find(base, 'DaemonSet', 'portside-speaker')).containers[0];
  assert.deepEqual(speaker.securityContext, baseSpeaker?.securityContext);
  assert.deepEqual(speaker.args?.slice(0, -3), baseSpeaker?.args);
  for (const o of base) if (idOf(o) !== idOf(ds)) assert.deepEqual(withFrr.find((x) => idOf(x) === idOf(o)), o);
  assert.equal(withFrr.length, base.length);
  assert.deepEqual(byId(await helmTemplate(CHART, frr)), chartPart(withFrr), 'the chart renders the overlay');
  const tagged = await helmTemplate(CHART, { ...frr, values: { speaker: { bgpBackend: 'frr', frr: { image: { repository: 'registry.example/frr', tag: '8.4' } } } } });
  const images = (podOf(find(tagged, 'DaemonSet', 'portside-speaker')) as unknown as FrrPodSpec).containers.map((c) => c.image);
  assert.deepEqual(images, [`ghcr.io/portside/portside:${version}`, 'registry.example/frr:8.4', 'registry.example/frr:8.4']);
});

test('the chart\'s values reach the objects', async () => {
  const objects = await helmTemplate(CHART, custom);
  const d = find(objects, 'Deployment', 'portside-controller');
  assert.equal(d.metadata.namespace, 'lb');
  assert.equal((d.spec as { replicas: number }).replicas, 3);
  assert.equal(podOf(d).containers[0]?.image, 'ghcr.io/portside/portside:9.9.9');
  assert.deepEqual(podOf(find(objects, 'DaemonSet', 'portside-speaker')).tolerations, []);
  const binding = find(objects, 'ClusterRoleBinding', 'portside-speaker');
  assert.equal((binding.subjects as { namespace: string }[])[0]?.namespace, 'lb');
});

// ---- The real tools themselves ----
test('`kustomize build` of each directory in the clone gives its committed file', async () => {
  for (const [out, dir] of Object.entries(RENDERED)) {
    assert.deepEqual(parseObjects(await kustomizeBuild(join(ROOT, dir)), dir), await load(out), `${out} vs kustomize build ${dir}`);
  }
});

test('the chart lints clean (helm lint --strict) with default and documented values', async () => {
  for (const c of Object.values(CHART_CASES)) {
    assert.match(await helmLint(CHART, c.values), /1 chart\(s\) linted, 0 chart\(s\) failed/, c.name);
  }
});

test('helm and kustomize report the versions hack/tools/build.sh pins', async () => {
  const { helm } = await tools();
  const pinned = /tools-helm-(v[0-9.]+)-kustomize-(v[0-9.]+)\/helm$/.exec(helm);
  assert.ok(pinned, helm);
  const reported = await toolVersions();
  assert.equal(reported.helm, pinned[1]);
  assert.equal(reported.kustomize, pinned[2]);
});
