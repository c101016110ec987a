// The FRR backend as users install it: config/manifests/portside-frr.yaml (the kustomize overlay
// config/overlays/frr rendered) on real kubelet nodes, its two images (Portside's and the FRR
// sidecar's, from hack/image/build.sh) imported into the nodes' containerd, only the image
// references overridden. The speaker Pods run three containers (speaker, frr, reloader) sharing
// FRR's vty sockets and the rendered configuration; all become Ready by their probes without a
// restart. Then a BGP Service, configured through the API as for the native speaker, reaches the
// lab's FRR top-of-rack from both nodes' FRR (one ECMP next hop per node, the client behind the
// ToR served by both), and deleting it withdraws the route from the ToR. Needs root and the node
// binaries: skips loudly without them, fails under CI=true.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { ProbeSummary } from '../lab/http-probe.ts';
import { LabObjects } from '../lab/objects.ts';
import { NODE_ASN, POOLS, TOR_ASN } from '../lab/plan.ts';
import { run } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import { containerLogs, inCidr, podContainerMemory, ready } from './helpers.ts';
import { FRR_IMAGE, IMAGE, kubeletLab, NS, ROOT, webContainer } from './kubelet-lab.ts';

const MANIFEST = join(ROOT, 'config/manifests/portside-frr.yaml');
const PROBE = fileURLToPath(new URL('../lab/http-probe.ts', import.meta.url));
const APP_NS = 'frr-install-test';
const exec = promisify(execFile);

type Doc = { kind: string; metadata: { name: string }; spec?: { template?: { spec?: { containers?: Array<{ name: string; image: string; imagePullPolicy?: string }> } } } };

test('the FRR-backend manifest on kubelet nodes: speaker, FRR and reloader Ready; a BGP Service in ECMP at the ToR, withdrawn when deleted', { timeout: 900_000 }, async (t) => {
  const env = await kubeletLab(t);
  if (!env) return;
  const { lab, built, archives, tools, frr } = env;
  const plane = built.plane;
  const kubelets = built.kubelets;
  const router = built.router;
  assert.ok(plane && kubelets && router?.behind);
  const clientOut = router.behind;
  const core = plane.kubeconfig.makeApiClient(CoreV1Api);
  const apps = plane.kubeconfig.makeApiClient(AppsV1Api);
  const kubectlEnv = { ...process.env, KUBECONFIG: plane.kubeconfigPath, PATH: `${dirname(kubelets.bins.kubectl)}:${process.env.PATH ?? ''}` };
  const kubectl = (args: readonly string[]) => exec(kubelets.bins.kubectl, args, { env: kubectlEnv, timeout: 120_000 });
  const work = mkdtempSync(join(tmpdir(), 'portside-install-frr-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const withLogs = (err: unknown): never => {
    throw new Error(`${(err as Error).message}; container logs:\n${containerLogs(built.nodes)}`, { cause: err });
  };

  await lab.dumpOnFailure(async () => {
    for (const n of built.nodes) {
      await n.kubelet?.importImage(archives.portside);
      await n.kubelet?.importImage(archives.frr);
    }
    // The shipped manifest with both image references pointed at the local builds.
    const shipped = readFileSync(MANIFEST, 'utf8');
    const shippedImages = [...new Set([...shipped.matchAll(/^\s+(?:- )?image: (\S+)$/gm)].map((m) => m[1] ?? ''))].sort();
    const shippedName = (repo: string) => shippedImages.find((i) => i.replace(/:[^:/]+$/, '').endsWith(`/${repo}`))?.replace(/:[^:/]+$/, '');
    const portsideName = shippedName('portside');
    const frrName = shippedName('portside-frr');
    assert.ok(portsideName && frrName, `the manifest names both images: ${shippedImages.join(', ')}`);
    writeFileSync(join(work, 'kustomization.yaml'), [
      'apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization',
      'resources:', `  - ${MANIFEST}`,
      'images:',
      `  - name: ${portsideName}`, `    newName: ${IMAGE.name}`, `    newTag: ${IMAGE.tag}`,
      `  - name: ${frrName}`, `    newName: ${FRR_IMAGE.name}`, `    newTag: ${FRR_IMAGE.tag}`, '',
    ].join('\n'));
    const rendered = (await run(join(tools, 'kustomize'), ['build', '--load-restrictor=LoadRestrictionsNone', work])).stdout;
    const docs = parseAllDocuments(rendered).map((d) => d.toJSON() as Doc);
    const speakerContainers = docs.find((d) => d.kind === 'DaemonSet')?.spec?.template?.spec?.containers ?? [];
    assert.deepEqual(speakerContainers.map((c) => `${c.name} ${c.image}`), [
      `speaker ${IMAGE.name}:${IMAGE.tag}`, `frr ${FRR_IMAGE.name}:${FRR_IMAGE.tag}`, `reloader ${FRR_IMAGE.name}:${FRR_IMAGE.tag}`,
    ], 'the speaker Pod: Portside, its FRR and the reloader, all local images');
    const installYaml = join(work, 'portside-frr.yaml');
    writeFileSync(installYaml, rendered);
    await kubectl(['apply', '--server-side', '-f', installYaml]);
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);

    const pods = await waitFor(async () => {
      const listed = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/name=portside' })).items;
      return listed.length === 4 && listed.every(ready) && listed;
    }, { timeoutMs: 180_000, intervalMs: 250, what: 'the controller and speaker Pods Ready' }).catch(withLogs);
    const speakers = pods.filter((p) => p.metadata?.labels?.['app.kubernetes.io/component'] === 'speaker');
    assert.deepEqual(speakers.map((p) => p.spec?.nodeName).sort(), ['n1', 'n2']);
    for (const p of speakers) {
      const statuses = p.status?.containerStatuses ?? [];
      assert.deepEqual(statuses.map((c) => c.name).sort(), ['frr', 'reloader', 'speaker'], `${p.metadata?.name}: three containers`);
      for (const c of statuses) {
        assert.equal(c.ready, true, `${p.metadata?.name}/${c.name} ready`);
        assert.equal(c.restartCount, 0, `${p.metadata?.name}/${c.name} never restarted`);
      }
    }

    // BGP through the API, as for the native speaker: the nodes' FRR peers the ToR.
    const objects = new LabObjects(plane.kubeconfig);
    await objects.apply('ipaddresspools', 'IPAddressPool', 'lab-bgp', { addresses: [...POOLS.bgp.addresses], autoAssign: false });
    await objects.apply('bgppeers', 'BGPPeer', 'tor', { myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: router.v4, holdTime: '9s', keepaliveTime: '3s', connectTime: '1s' });
    await objects.apply('bgpadvertisements', 'BGPAdvertisement', 'lab-bgp', { ipAddressPools: ['lab-bgp'], peers: ['tor'] });
    await core.createNamespace({ body: { metadata: { name: APP_NS } } });
    await apps.createNamespacedDaemonSet({
      namespace: APP_NS,
      body: { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [webContainer()] } } } },
    });
    await waitFor(async () => (await apps.readNamespacedDaemonSet({ namespace: APP_NS, name: 'web' })).status?.numberReady === 2,
      { timeoutMs: 60_000, intervalMs: 250, what: 'a ready web Pod on each node' }).catch(withLogs);
    await core.createNamespacedService({
      namespace: APP_NS,
      body: {
        metadata: { name: 'web-bgp', annotations: { 'portside.dev/address-pool': 'lab-bgp' } },
        spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], externalTrafficPolicy: 'Local' },
      },
    });
    const ip = await waitFor(async () => (await core.readNamespacedService({ namespace: APP_NS, name: 'web-bgp' })).status?.loadBalancer?.ingress?.[0]?.ip,
      { timeoutMs: 60_000, intervalMs: 250, what: 'web-bgp\'s LoadBalancer IP' });
    assert.ok(POOLS.bgp.addresses.some((c) => inCidr(ip, c)), `${ip} from the lab's BGP pool`);
    const nodes = built.nodes.map((n) => n.v4).sort();
    const hops = await frr.waitKernelRoute(`${ip}/32`, nodes, { timeoutMs: 90_000 }).catch(withLogs);
    assert.deepEqual([...hops].sort(), nodes, 'one next hop per node');
    const neighbors = await frr.bgpNeighbors();
    for (const n of nodes) assert.equal(neighbors[n]?.bgpState, 'Established', `the ToR's session with ${n}'s FRR`);
    const probe = async (count: number): Promise<ProbeSummary> => {
      const { stdout } = await clientOut.ns.exec(process.execPath, [PROBE, `http://${ip}/`, String(count), '0', '1000'], { timeoutMs: 30_000 + count * 1_000 });
      return JSON.parse(stdout) as ProbeSummary;
    };
    // kube-proxy programs the new Service's endpoints on its own schedule.
    await waitFor(async () => Object.keys((await probe(10)).byNode).length === 2, { timeoutMs: 30_000, intervalMs: 250, what: `both nodes serving ${ip}` });
    const served = await probe(40);
    t.diagnostic(`client-out → ${ip} through the nodes' FRR: ${JSON.stringify(served.byNode)}, ${served.failed} failed`);
    assert.equal(served.ok, 40, `every request answered: ${served.errors.slice(0, 3).join('; ')}`);

    // What each container of the speaker Pods holds (the cgroup its memory limit applies to).
    const mb = (b: number | undefined) => (b === undefined ? '?' : (b / 2 ** 20).toFixed(1));
    for (const p of speakers) {
      const cs = podContainerMemory(built.nodes, p);
      assert.ok(cs.some((c) => c.commands.includes('bgpd')), `${p.metadata?.name}: FRR's bgpd runs in the Pod: ${JSON.stringify(cs)}`);
      t.diagnostic(`${p.spec?.nodeName} speaker Pod memory (current/peak MB): ${cs.map((c) => `[${c.commands.join(' ')}] ${mb(c.current)}/${mb(c.peak)}`).join('; ')}`);
    }

    // The Service deleted: both nodes' FRR withdraw it; the sessions stay up.
    const uptime = async () => Object.fromEntries(Object.entries(await frr.bgpNeighbors()).map(([peer, n]) => [peer, [n.connectionsEstablished, n.connectionsDropped]]));
    const before = await uptime();
    await core.deleteNamespacedService({ namespace: APP_NS, name: 'web-bgp' });
    await waitFor(async () => (await frr.kernelNextHops(`${ip}/32`)).length === 0, { timeoutMs: 60_000, intervalMs: 250, what: `${ip} withdrawn at the ToR` });
    assert.deepEqual(await uptime(), before, 'the withdraw reset no session (FRR\'s counts of establishments and drops unchanged)');
  });
});
