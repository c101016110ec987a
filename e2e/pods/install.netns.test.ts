// Portside as users install it: the image hack/image/build.sh builds, imported into the
// containerd of real kubelet nodes, and config/manifests/portside.yaml applied unchanged but
// for the image reference (a kustomization over it with `images:`, rendered by the real
// kustomize, applied by the real kubectl with --server-side). The liveness Secret is made
// by the README's own command, the L2 sample applied as shipped. Then: the controller
// Deployment and the speaker DaemonSet become Ready by their own probes; /metrics answers
// on the documented ports; the speaker runs with exactly the capabilities the manifest
// grants and the controller as uid 65532; a LoadBalancer Service gets an IP from the
// sample pool and each speaker reports its configuration Valid. Needs root and the node
// binaries: skips loudly without them, fails under CI=true.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { buildLab, controlPlaneSkipped, type BuiltLab } from '../lab/builder.ts';
import { Lab, requireCommands, requireRoot, run } from '../netns/index.ts';
import { cgroupPids } from '../nodes/cgroups.ts';
import { NODE_COMMANDS } from '../nodes/index.ts';
import { waitFor } from '../wait.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MANIFEST = join(ROOT, 'config/manifests/portside.yaml');
const NS = 'portside-system';
const IMAGE = { name: 'localhost/portside', tag: 'dev' };
/** The sample pool (config/samples/metallb-l2.yaml): inside the lab's switch subnet. */
const SAMPLE_POOL = '198.51.100.240/28';
/** The speaker's --state-dir, a hostPath: the lab's nodes share the host's /run. */
const STATE_DIR = '/run/portside';

type Built = BuiltLab<never, never>;
const exec = promisify(execFile);

/** `KEY=value` lines a hack/ script prints on stdout. */
async function script(path: string): Promise<string> {
  const { stdout } = await run(join(ROOT, path), [], { timeoutMs: 1_800_000 });
  return stdout.trim();
}

/** The README's install block: each command, backslash continuations joined. */
function readmeInstall(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n(kubectl apply --server-side -f config\/manifests\/portside\.yaml[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README.md has the install block');
  return block.replace(/\\\n\s*/g, '').split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

/** The capabilities a container's manifest grants, as the kernel's CapEff mask. */
function capMask(names: readonly string[]): bigint {
  const bits: Record<string, number> = { NET_BIND_SERVICE: 10, NET_BROADCAST: 11, NET_ADMIN: 12, NET_RAW: 13, SYS_ADMIN: 21 };
  return names.reduce((m, n) => {
    const bit = bits[n];
    assert.ok(bit !== undefined, `capability ${n} known to the test`);
    return m | (1n << BigInt(bit));
  }, 0n);
}

function procStatus(pid: number, field: string): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))?.split(/\s+/).slice(1).join(' ') ?? '';
}

/** The `portside <command>` process of a node's containers (its cgroup root), by its argv. */
function portsidePid(built: Built, nodeName: string, command: 'controller' | 'speaker'): number | undefined {
  const node = built.nodes.find((n) => n.name === nodeName)?.kubelet;
  if (!node) return undefined;
  return cgroupPids(node.cgroupRoot).find((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv.some((a) => a.endsWith('portside.ts') || a.endsWith('/portside')) && argv.includes(command);
    } catch {
      return false;
    }
  });
}

/** The last lines each Pod container wrote on each node (the kubelet's pod-logs): why a Pod is not Ready. */
function containerLogs(built: Built): string {
  const lines: string[] = [];
  for (const n of built.nodes) {
    const dir = n.kubelet?.paths.podLogs;
    if (!dir) continue;
    for (const pod of readdirSync(dir)) {
      for (const c of readdirSync(join(dir, pod))) {
        for (const f of readdirSync(join(dir, pod, c))) {
          const tail = readFileSync(join(dir, pod, c, f), 'utf8').trim().split('\n').slice(-5).join('\n    ');
          lines.push(`  ${n.name} ${pod}/${c}/${f}:\n    ${tail}`);
        }
      }
    }
  }
  return lines.join('\n');
}

const ready = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

const inCidr = (ip: string, cidr: string): boolean => {
  const [net = '', len = '32'] = cidr.split('/');
  const n = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(len));
  return Math.floor(n(ip) / size) === Math.floor(n(net) / size);
};

async function metrics(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  assert.equal(res.status, 200, `${url}: HTTP ${res.status}`);
  return res.text();
}

async function setup(t: TestContext): Promise<{ lab: Lab; built: Built; archive: string; tools: string } | undefined> {
  if (!requireRoot(t) || !requireCommands(t, [...NODE_COMMANDS, 'openssl', 'bash'])) return undefined;
  const image = new Map((await script('hack/image/build.sh')).split('\n').map((l) => l.split('=', 2) as [string, string]));
  assert.equal(image.get('PORTSIDE_IMAGE_REF'), `${IMAGE.name}:${IMAGE.tag}`);
  const archive = image.get('PORTSIDE_IMAGE_ARCHIVE') ?? '';
  const tools = await script('hack/tools/build.sh');
  const lab = await Lab.create();
  t.after(() => lab.destroy());
  try {
    const built = await buildLab<never, never>(lab, {
      lan: { v4: '198.51.100.0/24' },
      root: { host: 1 },
      nodes: { count: 2, kubelet: true },
      controlPlane: { bare: true },
    });
    return { lab, built, archive, tools };
  } catch (err) {
    if (controlPlaneSkipped(t, err)) return undefined;
    throw err;
  }
}

test('the shipped manifests on kubelet nodes: Pods Ready by their probes, metrics, capabilities, an IP from the sample pool', { timeout: 900_000 }, async (t) => {
  const stateDirBefore = existsSync(STATE_DIR);
  const env = await setup(t);
  if (!env) return;
  // After the lab (hooks run in order): the kubelet made the hostPath; each speaker removed its marker.
  t.after(() => {
    if (stateDirBefore || !existsSync(STATE_DIR)) return;
    assert.deepEqual(readdirSync(STATE_DIR), [], 'no restart marker left after a full withdraw');
    rmdirSync(STATE_DIR);
  });
  const { lab, built, archive, tools } = env;
  const plane = built.plane;
  const kubelets = built.kubelets;
  assert.ok(plane && kubelets);
  const core = plane.kubeconfig.makeApiClient(CoreV1Api);
  const apps = plane.kubeconfig.makeApiClient(AppsV1Api);
  const custom = plane.kubeconfig.makeApiClient(CustomObjectsApi);
  const kubectlEnv = { ...process.env, KUBECONFIG: plane.kubeconfigPath, PATH: `${dirname(kubelets.bins.kubectl)}:${process.env.PATH ?? ''}` };
  const kubectl = (args: readonly string[]) => exec(kubelets.bins.kubectl, args, { env: kubectlEnv, timeout: 120_000 });
  // A command line as a user types it (the README's), with this cluster's kubectl and kubeconfig.
  const shell = (line: string) => exec('bash', ['-c', line], { env: kubectlEnv, cwd: ROOT, timeout: 120_000 });
  const work = mkdtempSync(join(tmpdir(), 'portside-install-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));

  await lab.dumpOnFailure(async () => {
    for (const n of built.nodes) await n.kubelet?.importImage(archive);

    // The shipped manifest, only the image reference overridden (its name as the manifest has it, tag = the release).
    const shippedImage = /^\s+image: (\S+)$/m.exec(readFileSync(MANIFEST, 'utf8'))?.[1] ?? '';
    const shippedName = shippedImage.replace(/:[^:/]+$/, '');
    assert.match(shippedImage, /^ghcr\.io\/portside\/portside:/);
    writeFileSync(join(work, 'kustomization.yaml'), [
      'apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization',
      'resources:', `  - ${MANIFEST}`,
      'images:', `  - name: ${shippedName}`, `    newName: ${IMAGE.name}`, `    newTag: ${IMAGE.tag}`, '',
    ].join('\n'));
    const rendered = (await run(join(tools, 'kustomize'), ['build', '--load-restrictor=LoadRestrictionsNone', work])).stdout;
    const docs = parseAllDocuments(rendered).map((d) => d.toJSON() as { kind: string; metadata: { name: string }; spec?: { template?: { spec?: { containers?: Array<{ image: string; imagePullPolicy?: string; securityContext?: { capabilities?: { add?: string[] } } }> } } } });
    const shipped = parseAllDocuments(readFileSync(MANIFEST, 'utf8')).map((d) => d.toJSON() as unknown);
    const images = docs.flatMap((d) => d.spec?.template?.spec?.containers ?? []);
    assert.deepEqual([...new Set(images.map((c) => `${c.image} ${c.imagePullPolicy}`))], [`${IMAGE.name}:${IMAGE.tag} IfNotPresent`], 'every container runs the local image; IfNotPresent: present, so never pulled');
    // Unchanged otherwise: the same objects with the image put back.
    assert.deepEqual(parseAllDocuments(rendered.replaceAll(`${IMAGE.name}:${IMAGE.tag}`, shippedImage)).map((d) => d.toJSON() as unknown), shipped);
    const installYaml = join(work, 'portside.yaml');
    writeFileSync(installYaml, rendered);

    const commands = readmeInstall();
    const applyStarted = Date.now();
    // The README's apply line, on the rendered file (the only difference: the image).
    const applyCmd = commands[0] ?? '';
    assert.equal(applyCmd, 'kubectl apply --server-side -f config/manifests/portside.yaml');
    await shell(applyCmd.replace('config/manifests/portside.yaml', installYaml));
    const secretCmd = commands.find((c) => c.startsWith('kubectl create secret generic portside-liveness-key'));
    assert.ok(secretCmd, `the README creates the liveness Secret: ${commands.join(' | ')}`);
    await shell(secretCmd);
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
    const sampleCmd = commands.find((c) => c.startsWith('kubectl apply -f config/samples/metallb-l2.yaml'));
    assert.ok(sampleCmd, 'the README applies the L2 sample');
    await shell(sampleCmd);

    const secret = await core.readNamespacedSecret({ namespace: NS, name: 'portside-liveness-key' });
    assert.equal(Buffer.from(secret.data?.key ?? '', 'base64').toString().length, 44, 'the key is `openssl rand -base64 32`');

    // Ready by their own probes: the kubelet's readiness probes on /readyz.
    const pods = await waitFor(async () => {
      const listed = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/name=portside' })).items;
      return listed.length === 4 && listed.every(ready) && listed;
    }, { timeoutMs: 150_000, intervalMs: 250, what: 'the controller and speaker Pods Ready' }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; container logs:\n${containerLogs(built)}`, { cause: err });
    });
    const readyMs = Date.now() - applyStarted;
    t.diagnostic(`apply to all 4 Pods Ready: ${readyMs} ms`);
    const deploy = await apps.readNamespacedDeployment({ namespace: NS, name: 'portside-controller' });
    assert.equal(deploy.status?.availableReplicas, 2, 'the controller Deployment is Available');
    const ds = await apps.readNamespacedDaemonSet({ namespace: NS, name: 'portside-speaker' });
    assert.equal(ds.status?.numberReady, 2, 'a speaker on each node, Ready');
    const component = (p: V1Pod) => p.metadata?.labels?.['app.kubernetes.io/component'];
    const controllers = pods.filter((p) => component(p) === 'controller');
    const speakers = pods.filter((p) => component(p) === 'speaker');
    assert.deepEqual(speakers.map((p) => p.spec?.nodeName).sort(), ['n1', 'n2']);
    for (const p of pods) {
      for (const c of p.status?.containerStatuses ?? []) {
        assert.equal(c.restartCount, 0, `${p.metadata?.name}/${c.name} never restarted`);
        assert.match(c.imageID ?? '', /sha256:/);
      }
      assert.ok(p.spec?.containers.every((c) => c.readinessProbe?.httpGet?.path === '/readyz'), 'readiness is the manifest\'s probe');
    }

    // Metrics on the documented ports: the controllers on their Pod IPs, the speakers on their nodes.
    for (const p of controllers) {
      const body = await metrics(`http://${p.status?.podIP}:7472/metrics`);
      assert.match(body, /^# (HELP|TYPE) /m, `controller ${p.metadata?.name}: Prometheus text`);
    }
    for (const n of built.nodes) {
      const body = await metrics(`http://${n.v4}:7473/metrics`);
      assert.match(body, /^# (HELP|TYPE) /m, `speaker on ${n.name}: Prometheus text`);
    }

    // The processes: the speaker's effective capabilities are exactly the manifest's; the controller runs as 65532.
    const speakerSpec = docs.find((d) => d.kind === 'DaemonSet')?.spec?.template?.spec?.containers?.[0];
    const granted = speakerSpec?.securityContext?.capabilities?.add ?? [];
    assert.deepEqual([...granted].sort(), ['NET_ADMIN', 'NET_BIND_SERVICE', 'NET_RAW']);
    const rss: string[] = [];
    for (const p of speakers) {
      const pid = portsidePid(built, p.spec?.nodeName ?? '', 'speaker');
      assert.ok(pid, `the speaker process on ${p.spec?.nodeName}`);
      assert.equal(BigInt(`0x${procStatus(pid, 'CapEff')}`), capMask(granted), `speaker on ${p.spec?.nodeName}: CapEff ${procStatus(pid, 'CapEff')}`);
      assert.equal(BigInt(`0x${procStatus(pid, 'CapPrm')}`), capMask(granted), 'nothing permitted beyond them');
      assert.equal(BigInt(`0x${procStatus(pid, 'CapAmb')}`), 0n);
      assert.equal(procStatus(pid, 'NoNewPrivs'), '1', 'allowPrivilegeEscalation: false');
      assert.equal(procStatus(pid, 'Uid').split(' ')[1], '0');
      rss.push(`speaker ${p.spec?.nodeName} ${procStatus(pid, 'VmRSS')}`);
    }
    for (const p of controllers) {
      const pid = portsidePid(built, p.spec?.nodeName ?? '', 'controller');
      assert.ok(pid, `the controller process of ${p.metadata?.name}`);
      assert.equal(procStatus(pid, 'Uid').split(' ')[1], '65532', 'the controller runs as uid 65532');
      assert.equal(procStatus(pid, 'Gid').split(' ')[1], '65532');
      assert.equal(BigInt(`0x${procStatus(pid, 'CapEff')}`), 0n, 'the controller has no capability');
      rss.push(`controller ${p.metadata?.name} ${procStatus(pid, 'VmRSS')}`);
    }
    t.diagnostic(`RSS: ${rss.join('; ')}`);

    // A LoadBalancer Service: an IP from the sample pool; each speaker's configuration Valid.
    await core.createNamespace({ body: { metadata: { name: 'install-test' } } });
    await core.createNamespacedService({
      namespace: 'install-test',
      body: { metadata: { name: 'web' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] } },
    });
    const ip = await waitFor(async () => {
      const svc = await core.readNamespacedService({ namespace: 'install-test', name: 'web' });
      return svc.status?.loadBalancer?.ingress?.[0]?.ip;
    }, { timeoutMs: 60_000, intervalMs: 250, what: 'the Service\'s LoadBalancer IP' });
    assert.ok(inCidr(ip, SAMPLE_POOL), `${ip} is in the sample pool ${SAMPLE_POOL}`);
    t.diagnostic(`Service web: ${ip}`);
    for (const n of built.nodes) {
      await waitFor(async () => {
        const cs = await custom.getNamespacedCustomObject({ group: 'portside.dev', version: 'v1beta1', namespace: NS, plural: 'configurationstates', name: `speaker-${n.name}` }).catch(() => undefined) as { status?: { result?: string } } | undefined;
        return cs?.status?.result === 'Valid';
      }, { timeoutMs: 60_000, intervalMs: 250, what: `speaker-${n.name} ConfigurationState Valid` });
    }
  });
});
