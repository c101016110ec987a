// Portside as users install it: the image hack/image/build.sh builds, imported into the
// containerd of real kubelet nodes, and config/manifests/portside.yaml applied unchanged but
// for the image reference (a kustomization over it with `images:`, rendered by the real
// kustomize, applied by the real kubectl with --server-side). The liveness Secret is made
// by the controller (the README has no step for it), the L2 sample applied as shipped. Then: the controller
// Deployment and the speaker DaemonSet become Ready by their own probes; /metrics answers
// on the documented ports; the speaker runs with exactly the capabilities the manifest
// grants and the controller as uid 65532; a LoadBalancer Service gets an IP from the
// sample pool and each speaker reports its configuration Valid. Needs root and the node
// binaries: skips loudly without them, fails under CI=true.
//
// Then the scenarios of issue #12 item 4 on the same cluster (one build, ~2 min), served by the
// nodes' real kube-proxy and a DaemonSet of endpoint Pods that answer with their node's name
// (externalTrafficPolicy Local): a BGP Service reaches an FRR ToR (dynamic neighbours, ECMP, as
// `make lab` configures it) with one next hop per node and the client behind it is served by
// both; the L2 sample Service is answered by exactly one node's MAC; `kubectl rollout restart
// daemonset/portside-speaker` under traffic to both (BGPPeer with graceful restart) keeps the
// route in FRR throughout and leaves L2 at most one failover gap, lost requests reported; the
// leader controller Pod deleted while Services are created and deleted changes no IP; `kubectl
// drain` withdraws the node's next hop at the ToR before its Pods stop; and the Pods' RSS and
// CPU are printed (the figures in docs/benchmarks.md).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { LabObjects } from '../lab/objects.ts';
import { NODE_ASN, POOLS, TOR_ASN } from '../lab/plan.ts';
import { run, type Netns } from '../netns/index.ts';
import { capMask, containerLogs, failureGaps, inCidr, metrics, portsidePid, procCpu, procStatus, ready } from './helpers.ts';
import { IMAGE, kubeletLab, NS, ROOT, webContainer } from './kubelet-lab.ts';
import type { ProbeSummary } from '../lab/http-probe.ts';
import { waitFor } from '../wait.ts';

const MANIFEST = join(ROOT, 'config/manifests/portside.yaml');
/** The sample pool (config/samples/metallb-l2.yaml): inside the lab's switch subnet. */
const SAMPLE_POOL = '198.51.100.240/28';
const PROBE = fileURLToPath(new URL('../lab/http-probe.ts', import.meta.url));
/** The speaker's --state-dir, a hostPath: the lab's nodes share the host's /run. */
const STATE_DIR = '/run/portside';
const exec = promisify(execFile);

/** The README's install block: each command, backslash continuations joined. */
function readmeInstall(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n(kubectl apply --server-side -f config\/manifests\/portside\.yaml[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README.md has the install block');
  return block.replace(/\\\n\s*/g, '').split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

test('the shipped manifests on kubelet nodes: Pods Ready by their probes, metrics, capabilities, an IP from the sample pool', { timeout: 900_000 }, async (t) => {
  const stateDirBefore = existsSync(STATE_DIR);
  const env = await kubeletLab(t);
  if (!env) return;
  // After the lab (hooks run in order): the kubelet made the hostPath; each speaker removed its marker.
  t.after(() => {
    if (stateDirBefore || !existsSync(STATE_DIR)) return;
    assert.deepEqual(readdirSync(STATE_DIR), [], 'no restart marker left after a full withdraw');
    rmdirSync(STATE_DIR);
  });
  const { lab, built, archives, tools } = env;
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
    for (const n of built.nodes) await n.kubelet?.importImage(archives.portside);

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
    assert.ok(!commands.some((c) => c.includes('create secret')), `no imperative Secret step in the README: ${commands.join(' | ')}`);
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
    const sampleCmd = commands.find((c) => c.startsWith('kubectl apply -f config/samples/metallb-l2.yaml'));
    assert.ok(sampleCmd, 'the README applies the L2 sample');
    await shell(sampleCmd);

    const secret = await waitFor(() => core.readNamespacedSecret({ namespace: NS, name: 'portside-liveness-key' }), { timeoutMs: 150_000, intervalMs: 250, what: 'the controller to create the liveness Secret' });
    assert.equal(Buffer.from(secret.data?.key ?? '', 'base64').length, 32, 'the controller made the key: 32 random bytes');
    assert.equal(secret.metadata?.labels?.['portside.dev/generated-by'], 'controller', 'marked as the install\'s');

    // Ready by their own probes: the kubelet's readiness probes on /readyz.
    const pods = await waitFor(async () => {
      const listed = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/name=portside' })).items;
      return listed.length === 4 && listed.every(ready) && listed;
    }, { timeoutMs: 150_000, intervalMs: 250, what: 'the controller and speaker Pods Ready' }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; container logs:\n${containerLogs(built.nodes)}`, { cause: err });
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
      const pid = portsidePid(built.nodes, p, 'speaker');
      assert.ok(pid, `the speaker process on ${p.spec?.nodeName}`);
      assert.equal(BigInt(`0x${procStatus(pid, 'CapEff')}`), capMask(granted), `speaker on ${p.spec?.nodeName}: CapEff ${procStatus(pid, 'CapEff')}`);
      assert.equal(BigInt(`0x${procStatus(pid, 'CapPrm')}`), capMask(granted), 'nothing permitted beyond them');
      assert.equal(BigInt(`0x${procStatus(pid, 'CapAmb')}`), 0n);
      assert.equal(procStatus(pid, 'NoNewPrivs'), '1', 'allowPrivilegeEscalation: false');
      assert.equal(procStatus(pid, 'Uid').split(' ')[1], '0');
      rss.push(`speaker ${p.spec?.nodeName} ${procStatus(pid, 'VmRSS')}`);
    }
    for (const p of controllers) {
      const pid = portsidePid(built.nodes, p, 'controller');
      assert.ok(pid, `the controller process of ${p.metadata?.name}`);
      assert.equal(procStatus(pid, 'Uid').split(' ')[1], '65532', 'the controller runs as uid 65532');
      assert.equal(procStatus(pid, 'Gid').split(' ')[1], '65532');
      assert.equal(BigInt(`0x${procStatus(pid, 'CapEff')}`), 0n, 'the controller has no capability');
      rss.push(`controller ${p.metadata?.name} ${procStatus(pid, 'VmRSS')}`);
    }
    t.diagnostic(`RSS: ${rss.join('; ')}`);
    // What a user reads first when something is wrong: the Pods' logs through the API server.
    const { stdout: speakerLog } = await kubectl(['-n', NS, 'logs', 'daemonset/portside-speaker']);
    assert.match(speakerLog, /speaker_ready/, '`kubectl logs` shows the speaker\'s JSON log');

    // A LoadBalancer Service: an IP from the sample pool; each speaker's configuration Valid.
    await core.createNamespace({ body: { metadata: { name: 'install-test' } } });
    await core.createNamespacedService({
      namespace: 'install-test',
      body: { metadata: { name: 'web' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], externalTrafficPolicy: 'Local' } },
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

    // Scenarios (issue #12, item 4). The endpoints: a DaemonSet of Pods answering with their node's
    // name, served by the nodes' real kube-proxy; externalTrafficPolicy Local, so an answer names
    // the node the packet reached.
    const { frr } = env;
    const router = built.router;
    const clientL2 = built.clients['client-l2'];
    const clientOut = router?.behind;
    assert.ok(router && clientOut);
    await apps.createNamespacedDaemonSet({
      namespace: 'install-test',
      body: {
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              containers: [webContainer()],
            },
          },
        },
      },
    });
    await waitFor(async () => (await apps.readNamespacedDaemonSet({ namespace: 'install-test', name: 'web' })).status?.numberReady === 2,
      { timeoutMs: 60_000, intervalMs: 250, what: 'a ready web Pod on each node' }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; container logs:\n${containerLogs(built.nodes)}`, { cause: err });
    });
    const probe = async (client: { ns: Netns }, vip: string, count: number, intervalMs = 0): Promise<ProbeSummary> => {
      const { stdout } = await client.ns.exec(process.execPath, [PROBE, `http://${vip}/`, String(count), String(intervalMs), '1000'], { timeoutMs: 30_000 + count * (intervalMs + 1_000) });
      return JSON.parse(stdout) as ProbeSummary;
    };

    let bgpIp = '';
    await t.test('BGP: the ToR has one ECMP next hop per node; the client behind it is served by both', async () => {
      const objects = new LabObjects(plane.kubeconfig);
      await objects.apply('ipaddresspools', 'IPAddressPool', 'lab-bgp', { addresses: [...POOLS.bgp.addresses], autoAssign: false });
      await objects.apply('bgppeers', 'BGPPeer', 'tor', {
        myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: router.v4, holdTime: '9s', keepaliveTime: '3s', connectTime: '1s', enableGracefulRestart: true,
      });
      await objects.apply('bgpadvertisements', 'BGPAdvertisement', 'lab-bgp', { ipAddressPools: ['lab-bgp'], peers: ['tor'] });
      await core.createNamespacedService({
        namespace: 'install-test',
        body: {
          metadata: { name: 'web-bgp', annotations: { 'portside.dev/address-pool': 'lab-bgp' } },
          spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], externalTrafficPolicy: 'Local' },
        },
      });
      bgpIp = await waitFor(async () => (await core.readNamespacedService({ namespace: 'install-test', name: 'web-bgp' })).status?.loadBalancer?.ingress?.[0]?.ip,
        { timeoutMs: 60_000, intervalMs: 250, what: 'web-bgp\'s LoadBalancer IP' });
      assert.ok(POOLS.bgp.addresses.some((c) => inCidr(bgpIp, c)), `${bgpIp} from the lab's BGP pool`);
      const started = Date.now();
      const hops = await frr.waitKernelRoute(`${bgpIp}/32`, built.nodes.map((n) => n.v4), { timeoutMs: 60_000 });
      t.diagnostic(`web-bgp ${bgpIp}: ECMP next hops ${hops.join(', ')} in the ToR's kernel after ${Date.now() - started} ms`);
      assert.deepEqual([...hops].sort(), built.nodes.map((n) => n.v4).sort(), 'one next hop per node');
      // kube-proxy programs the new Service's endpoints on its own schedule (until then it rejects: EHOSTUNREACH).
      await waitFor(async () => Object.keys((await probe(clientOut, bgpIp, 10)).byNode).length === 2, { timeoutMs: 30_000, intervalMs: 250, what: `both nodes' kube-proxy serving ${bgpIp}` });
      const served = await probe(clientOut, bgpIp, 40);
      t.diagnostic(`client-out → ${bgpIp}: ${JSON.stringify(served.byNode)}, ${served.failed} failed`);
      assert.equal(served.ok, 40, `every request answered: ${served.errors.slice(0, 3).join('; ')}`);
      assert.deepEqual(Object.keys(served.byNode).sort(), ['n1', 'n2'], 'ECMP spreads the client\'s connections over both nodes');
    });

    await t.test('L2: one node answers for the VIP (one MAC in the client\'s neighbour table) and serves it', async () => {
      await clientL2.ns.ip(['neigh', 'flush', 'dev', 'eth0']);
      const served = await probe(clientL2, ip, 20);
      assert.equal(served.ok, 20, `every request answered: ${served.errors.slice(0, 3).join('; ')}`);
      const servers = Object.keys(served.byNode);
      assert.equal(servers.length, 1, `one node serves the L2 VIP: ${JSON.stringify(served.byNode)}`);
      const { stdout } = await clientL2.ns.ip(['-j', 'neigh', 'show', 'to', ip]);
      const macs = [...new Set((JSON.parse(stdout || '[]') as Array<{ lladdr?: string }>).map((e) => e.lladdr).filter(Boolean))];
      const announcer = built.nodes.find((n) => n.name === servers[0]);
      assert.deepEqual(macs, [announcer?.mac], `${ip} resolves to ${servers[0]}'s MAC only`);
      t.diagnostic(`web ${ip}: ${servers[0]} (${announcer?.mac}) answers ARP and serves all 20 requests`);
    });

    await t.test('kubectl rollout restart of the speakers under traffic: BGP keeps its route (graceful restart), L2 has at most one failover gap', async () => {
      assert.ok(bgpIp, 'the BGP scenario ran');
      const before = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/component=speaker' })).items.map((p) => p.metadata?.uid);
      const started = Date.now();
      await kubectl(['-n', NS, 'rollout', 'restart', 'daemonset/portside-speaker']);
      let done = false;
      const rollout = kubectl(['-n', NS, 'rollout', 'status', 'daemonset/portside-speaker', '--timeout=110s']).finally(() => (done = true));
      // The route in FRR's RIB, polled while the rollout runs: with GR the stale paths stay.
      let polls = 0;
      let minHops = Infinity;
      const watch = (async () => {
        while (!done) {
          const hops = (await frr.ribRoutes('ipv4'))[`${bgpIp}/32`]?.flatMap((r) => r.nexthops ?? []).length ?? 0;
          minHops = Math.min(minHops, hops);
          polls++;
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      // Both kinds of client at once, each a request every 50 ms until the rollout is done.
      const probeUntilDone = async (client: { ns: Netns }, vip: string): Promise<ProbeSummary[]> => {
        const records: ProbeSummary[] = [];
        while (!done) records.push(await probe(client, vip, 20, 50));
        return records;
      };
      const [bgpRecords, l2Records] = await Promise.all([probeUntilDone(clientOut, bgpIp), probeUntilDone(clientL2, ip)]);
      await rollout;
      await watch;
      const after = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/component=speaker' })).items;
      assert.equal(after.length, 2);
      assert.ok(after.every((p) => !before.includes(p.metadata?.uid)), 'both speakers were replaced');
      const count = (records: ProbeSummary[]) => ({
        sent: records.reduce((n, r) => n + r.ok + r.failed, 0),
        failed: records.reduce((n, r) => n + r.failed, 0),
        errors: records.flatMap((r) => r.errors).slice(0, 3).join('; '),
      });
      const bgp = count(bgpRecords);
      const l2 = count(l2Records);
      const l2Gaps = failureGaps(l2Records);
      t.diagnostic(`rollout restart: ${Date.now() - started} ms; BGP ${bgp.sent} requests, ${bgp.failed} lost (${bgp.errors}); FRR route polled ${polls}×, fewest next hops ${minHops}`);
      t.diagnostic(`L2 ${ip}: ${l2.sent} requests, ${l2.failed} lost in ${l2Gaps.length} gap(s) ${l2Gaps.map((g) => `${g.failed} requests/${g.ms} ms`).join(', ')} (${l2.errors})`);
      assert.ok(polls > 0 && minHops > 0, `the route to ${bgpIp} never left FRR's RIB during the rollout (fewest next hops ${minHops})`);
      assert.ok(bgp.sent > 0 && l2.sent > 0);
      // The owner's speaker goes once: at most one failover, bounded by liveness (≈ 300 ms) plus a request timeout.
      assert.ok(l2Gaps.length <= 1, `at most one L2 failover gap: ${JSON.stringify(l2Gaps)}`);
      assert.ok(l2Gaps.every((g) => g.ms < 5_000), `the L2 gap is a failover, not an outage: ${JSON.stringify(l2Gaps)}`);
      // Both speakers back: one next hop per node again; the L2 VIP answered by one MAC.
      await frr.waitKernelRoute(`${bgpIp}/32`, built.nodes.map((n) => n.v4), { timeoutMs: 60_000 });
      const served = await probe(clientL2, ip, 10);
      assert.equal(served.ok, 10);
      assert.equal(Object.keys(served.byNode).length, 1, `one node serves the L2 VIP after the rollout: ${JSON.stringify(served.byNode)}`);
    });

    await t.test('the controller Pod deleted during Service churn: no allocated IP changes, every Service gets one', async () => {
      const objects = new LabObjects(plane.kubeconfig);
      const CHURN_POOL = '203.0.113.192/27';
      await objects.apply('ipaddresspools', 'IPAddressPool', 'churn', { addresses: [CHURN_POOL], autoAssign: false });
      await core.createNamespace({ body: { metadata: { name: 'churn' } } });
      const service = (i: number) => ({
        metadata: { name: `s${i}`, annotations: { 'portside.dev/address-pool': 'churn' } },
        spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80, protocol: 'TCP' }] },
      });
      // Every IP each Service was seen with (by uid), from a list every 100 ms.
      const seen = new Map<string, { name: string; ips: Set<string> }>();
      let watching = true;
      const record = async () => {
        for (const svc of (await core.listNamespacedService({ namespace: 'churn' })).items) {
          const uid = svc.metadata?.uid ?? '';
          const entry = seen.get(uid) ?? { name: svc.metadata?.name ?? '', ips: new Set<string>() };
          for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing.ip) entry.ips.add(ing.ip);
          seen.set(uid, entry);
        }
      };
      const watcher = (async () => {
        while (watching) {
          await record();
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      // 60 Services, one created every 100 ms, each deleted 12 creations later: ≈ 12 alive at a time.
      const TOTAL = 60;
      const LIVE = 12;
      const leaseHolder = async () => {
        const lease = await plane.kubeconfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: NS, name: 'portside-controller' });
        return lease.spec?.holderIdentity ?? '';
      };
      const leader = await leaseHolder();
      assert.ok(leader, 'a controller holds the lease');
      let deletedAt = 0;
      for (let i = 0; i < TOTAL; i++) {
        await core.createNamespacedService({ namespace: 'churn', body: service(i) });
        if (i >= LIVE) await core.deleteNamespacedService({ namespace: 'churn', name: `s${i - LIVE}` });
        if (i === TOTAL / 3) {
          // The leader's Pod, deleted as a user or an eviction would: SIGTERM, lease released, the standby takes over.
          await kubectl(['-n', NS, 'delete', 'pod', leader, '--wait=false']);
          deletedAt = Date.now();
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const alive = Array.from({ length: LIVE }, (_, k) => `s${TOTAL - LIVE + k}`);
      const final = await waitFor(async () => {
        const items = (await core.listNamespacedService({ namespace: 'churn' })).items;
        return items.length === LIVE && items.every((s) => s.status?.loadBalancer?.ingress?.[0]?.ip) && items;
      }, { timeoutMs: 90_000, intervalMs: 250, what: `the last ${LIVE} churn Services all have IPs` });
      watching = false;
      await watcher;
      await record();
      const newLeader = await leaseHolder();
      t.diagnostic(`leader ${leader} deleted after ${TOTAL / 3} creates; lease now held by ${newLeader}; ${seen.size} Services seen`);
      assert.notEqual(newLeader, leader, 'the standby took the lease');
      assert.deepEqual(final.map((s) => s.metadata?.name).sort(), [...alive].sort());
      const changed = [...seen.values()].filter((e) => e.ips.size > 1).map((e) => `${e.name}: ${[...e.ips].join(' → ')}`);
      const withIp = [...seen.values()].filter((e) => e.ips.size > 0).length;
      t.diagnostic(`${withIp} of ${seen.size} churn Services were seen with an IP; ${changed.length} changed IP`);
      assert.deepEqual(changed, [], 'no Service\'s IP changed');
      const ips = final.map((s) => s.status?.loadBalancer?.ingress?.[0]?.ip ?? '');
      assert.equal(new Set(ips).size, ips.length, `no IP held twice: ${ips.join(' ')}`);
      assert.ok(ips.every((x) => inCidr(x, CHURN_POOL)), 'every IP from the churn pool');
      await waitFor(async () => (await apps.readNamespacedDeployment({ namespace: NS, name: 'portside-controller' })).status?.readyReplicas === 2,
        { timeoutMs: 90_000, intervalMs: 250, what: 'the controller Deployment back to 2 ready replicas' });
      t.diagnostic(`controller Deployment whole again ${Date.now() - deletedAt} ms after the delete`);
      await core.deleteNamespace({ name: 'churn' });
    });

    await t.test('kubectl drain of a node: its BGP next hop leaves the ToR before its Pods go; nothing lost when they do', async () => {
      const node = built.nodes[0];
      const other = built.nodes[1];
      assert.ok(node && other);
      // An app as drain guides write it: spread over the nodes, a preStop pause so endpoints update
      // before it stops serving. Local policy: a request reaches the Pods of the node it arrives on
      // only, so what the drained node's Pod does is seen only through that node's route.
      await apps.createNamespacedDeployment({
        namespace: 'install-test',
        body: {
          metadata: { name: 'drained' },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'drained' } },
            template: {
              metadata: { labels: { app: 'drained' } },
              spec: {
                topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: { app: 'drained' } } }],
                terminationGracePeriodSeconds: 10,
                containers: [webContainer({ lifecycle: { preStop: { exec: { command: ['/usr/local/bin/node', '-e', 'setTimeout(() => {}, 2000)'] } } } })],
              },
            },
          },
        },
      });
      await core.createNamespacedService({
        namespace: 'install-test',
        body: {
          metadata: { name: 'drained', annotations: { 'portside.dev/address-pool': 'lab-bgp' } },
          spec: { type: 'LoadBalancer', selector: { app: 'drained' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], externalTrafficPolicy: 'Local' },
        },
      });
      const pods = await waitFor(async () => {
        const items = (await core.listNamespacedPod({ namespace: 'install-test', labelSelector: 'app=drained' })).items;
        return items.length === 2 && items.every(ready) && items;
      }, { timeoutMs: 60_000, intervalMs: 250, what: 'two ready app Pods' });
      assert.deepEqual(pods.map((p) => p.spec?.nodeName).sort(), [node.name, other.name].sort(), 'one app Pod per node');
      const onNode = pods.find((p) => p.spec?.nodeName === node.name);
      const vip = await waitFor(async () => (await core.readNamespacedService({ namespace: 'install-test', name: 'drained' })).status?.loadBalancer?.ingress?.[0]?.ip,
        { timeoutMs: 60_000, intervalMs: 250, what: 'the drained Service\'s IP' });
      await frr.waitKernelRoute(`${vip}/32`, built.nodes.map((n) => n.v4), { timeoutMs: 60_000 });
      await waitFor(async () => Object.keys((await probe(clientOut, vip, 10)).byNode).length === 2, { timeoutMs: 30_000, intervalMs: 250, what: `both nodes' kube-proxy serving ${vip}` });

      // While the drain runs: the ToR's kernel next hops and the node's app Pod, every 50 ms; a client every 50 ms.
      const started = Date.now();
      const timeline = { hopGone: 0, podDeleting: 0, podGone: 0 };
      let draining = true;
      const drainWatch = (async () => {
        while (draining || !timeline.podGone) {
          const hops = await frr.kernelNextHops(`${vip}/32`);
          if (!timeline.hopGone && !hops.includes(node.v4)) timeline.hopGone = Date.now();
          const pod = await core.readNamespacedPod({ namespace: 'install-test', name: onNode?.metadata?.name ?? '' }).catch(() => undefined);
          if (!timeline.podDeleting && (!pod || pod.metadata?.deletionTimestamp)) timeline.podDeleting = Date.now();
          if (!timeline.podGone && (!pod || pod.status?.containerStatuses?.every((c) => !c.state?.running))) timeline.podGone = Date.now();
          if (Date.now() - started > 120_000) break;
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const drainDone = kubectl(['drain', node.name, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s']).finally(() => (draining = false));
      const records: ProbeSummary[] = [];
      while (draining) records.push(await probe(clientOut, vip, 20, 50));
      await drainDone;
      await drainWatch;
      const sent = records.reduce((n, r) => n + r.ok + r.failed, 0);
      // When each lost request finished (its timeout is 1 s), relative to the drain's start.
      const lostAt = records.flatMap((r) => r.at.filter((_, i) => r.answers[i] === ''));
      const rel = (x: number) => (x ? `${x - started} ms` : 'never');
      t.diagnostic(`drain ${node.name}: next hop gone from the ToR at ${rel(timeline.hopGone)}, app Pod deleting at ${rel(timeline.podDeleting)}, stopped at ${rel(timeline.podGone)}; ${sent} requests, ${lostAt.length} lost, finishing at ${lostAt.map(rel).join(', ') || '-'} (${records.flatMap((r) => r.errors).slice(0, 3).join('; ')})`);
      assert.ok(timeline.hopGone, `${node.name}'s next hop left the ToR's route`);
      assert.ok(timeline.podGone, `${node.name}'s app Pod stopped`);
      assert.ok(timeline.hopGone < timeline.podGone, 'the route went before the Pod');
      // The only loss allowed: a connection in flight when the ToR's ECMP set changed (its next
      // packets hashed to the other node, which has no conntrack entry for it) — nothing when the Pod stops.
      const inFlightAtChange = (at: number) => at - 1_000 - 500 <= timeline.hopGone && timeline.hopGone <= at + 500;
      assert.deepEqual(lostAt.filter((at) => !inFlightAtChange(at)).map(rel), [], 'no request lost except in flight at the next-hop change');
      // Uncordoned: the node's paths lose GRACEFUL_SHUTDOWN, one next hop per node again for the
      // Service whose endpoints stayed on both nodes (the drained app's Pods are all on the other now).
      await kubectl(['uncordon', node.name]);
      await frr.waitKernelRoute(`${bgpIp}/32`, built.nodes.map((n) => n.v4), { timeoutMs: 30_000 });
      await frr.waitKernelRoute(`${vip}/32`, [other.v4], { timeoutMs: 30_000 });
    });

    await t.test('the Pods\' memory and CPU, as the kubelet runs them (figures for docs/benchmarks.md)', async () => {
      // After the drain the evicted controller's replacement comes up on the other node: measure all four.
      const running = await waitFor(async () => {
        const items = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/name=portside' })).items.filter((p) => ready(p) && !p.metadata?.deletionTimestamp);
        return items.length === 4 && items;
      }, { timeoutMs: 90_000, intervalMs: 250, what: 'two controller and two speaker Pods Ready' });
      const figures: string[] = [];
      for (const p of running) {
        const command = p.metadata?.labels?.['app.kubernetes.io/component'] === 'speaker' ? 'speaker' : 'controller';
        const pid = portsidePid(built.nodes, p, command);
        assert.ok(pid, `the ${command} process of ${p.metadata?.name}`);
        const { cpuS, ageS } = procCpu(pid);
        const kb = (field: string) => Math.round(Number.parseInt(procStatus(pid, field), 10) / 1024);
        figures.push(`${command} ${p.spec?.nodeName}: RSS ${kb('VmRSS')} MB (peak ${kb('VmHWM')} MB), CPU ${cpuS.toFixed(1)} s in ${ageS.toFixed(0)} s`);
        assert.ok(kb('VmRSS') > 0);
      }
      t.diagnostic(`resources: ${figures.join('; ')}`);
    });

    await t.test('deleting the BGPPeer withdraws its routes at the ToR at once (graceful restart keeps nothing stale)', async () => {
      const objects = new LabObjects(plane.kubeconfig);
      const started = Date.now();
      // The advertisement still names it: MetalLB ignores names that match nothing, and so does Portside (a warning).
      await objects.remove('bgppeers', 'tor');
      // FRR, a graceful-restart helper, would keep a closed session's routes for the restart time
      // (120 s): the speaker withdraws them in UPDATEs before its Cease.
      await waitFor(async () => (await frr.ribRoutes('ipv4'))[`${bgpIp}/32`] === undefined, { timeoutMs: 10_000, intervalMs: 100, what: `${bgpIp} withdrawn from the ToR after the BGPPeer's deletion` });
      t.diagnostic(`BGPPeer deleted → ${bgpIp} gone from FRR's RIB in ${Date.now() - started} ms`);
    });

    // Cordoned nodes: the speakers' exit is a full withdraw (no restart marker), as the after hook
    // checks; uncordoned with a graceful-restart peer, they would do a restart exit and leave their
    // markers for the next. The lab's teardown does not stop the speakers gracefully, so remove
    // them first, as an uninstall would.
    await kubectl(['cordon', ...built.nodes.map((n) => n.name)]);
    await new Promise((r) => setTimeout(r, 1_000)); // the speakers' Node informers: a watch event away
    await kubectl(['-n', NS, 'delete', 'daemonset/portside-speaker', '--cascade=foreground', '--wait', '--timeout=60s']);
    await waitFor(async () => (await frr.ribRoutes('ipv4'))[`${bgpIp}/32`] === undefined, { timeoutMs: 30_000, intervalMs: 250, what: `${bgpIp} withdrawn from the ToR by the stopping speakers` });
  });
});
