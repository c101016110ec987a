// A whole Portside install in a lab: the real control plane bound to a lab address on a
// root-namespace veth (so node namespaces reach it), the real controller (`portside
// controller`), and one real `portside speaker` per node namespace, all on one bridge.
// Addresses: a random /28 of 198.51.100.128/25, so parallel labs rarely share a root route.
import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../crds/index.ts';
import { ControlPlaneUnavailable, INSTALL_NAMESPACE, startControlPlane } from '../controlplane.ts';
import type { ControlPlane } from '../controlplane.ts';
import { Lab, LabProcess, requireCommands, requireRoot, run } from '../netns/index.ts';
import type { Bridge, Netns } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import { mergePatch } from '../../lib/k8s/index.ts';
import { Cluster } from '../controller/testkit.ts';

const BIN = new URL('../../bin/portside.ts', import.meta.url).pathname;

export interface LabNode {
  name: string;
  ns: Netns;
  ip: string;
  speaker: LabProcess | undefined;
}

export interface LabCluster {
  lab: Lab;
  plane: ControlPlane;
  cluster: Cluster;
  lan: Bridge;
  /** The /28 in use, e.g. 198.51.100.160/28, and its addresses. */
  subnet: string;
  addr: (offset: number) => string;
  nodes: LabNode[];
  controller: LabProcess;
  /** Adds a namespace on the LAN at `addr(offset)`. */
  host(name: string, offset: number): Promise<Netns>;
  startSpeaker(node: LabNode): LabProcess;
  /** GET a path of a speaker's metrics server (inside its namespace). */
  scrape(node: LabNode, path: string): Promise<{ status: number; body: string }>;
  configState(node: string): Promise<{ result?: string; errorSummary?: string; conditions?: { type: string; status: string }[] } | undefined>;
  apply(plural: string, kind: string, name: string, spec: Record<string, unknown>): Promise<void>;
  remove(plural: string, name: string): Promise<void>;
  list(plural: string): Promise<{ metadata: { name: string; labels?: Record<string, string> }; status?: Record<string, unknown> }[]>;
}

export interface LabClusterOptions {
  nodes: number;
  /** Extra environment for the speakers. */
  speakerEnv?: Record<string, string>;
  /** Commands the test needs besides ip. */
  commands?: readonly string[];
}

/** Builds the lab, or returns undefined when the test was skipped (no root / binaries). */
export async function startLabCluster(t: TestContext, opts: LabClusterOptions): Promise<LabCluster | undefined> {
  if (!requireRoot(t) || !requireCommands(t, ['ip', ...(opts.commands ?? [])])) return undefined;
  const lab = await Lab.create();
  t.after(() => lab.destroy());
  const base = 128 + 16 * randomInt(0, 8);
  const addr = (offset: number) => `198.51.100.${base + offset}`;
  const subnet = `198.51.100.${base}/28`;
  const lan = await lab.bridge('lan');

  // The root namespace's leg on the LAN: the apiserver binds there.
  const rootIf = `${lab.prefix}rt`;
  const sw = lan.switchNs;
  await run('ip', ['link', 'add', rootIf, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', sw.name]);
  lab.onDestroy('root veth', async () => void (await run('ip', ['link', 'del', rootIf]).catch(() => undefined)));
  await sw.ip(['link', 'set', 'uplink', 'master', lan.name, 'up']);
  await run('ip', ['addr', 'add', `${addr(1)}/28`, 'dev', rootIf]);
  await run('ip', ['link', 'set', rootIf, 'up']);

  let plane: ControlPlane;
  try {
    plane = await startControlPlane({ bindAddress: addr(1) });
  } catch (err) {
    if (err instanceof ControlPlaneUnavailable && process.env.CI !== 'true') {
      process.stderr.write(`\n*** SKIPPED ${t.name}: ${err.message} ***\n`);
      t.skip(err.message);
      return undefined;
    }
    throw err;
  }
  lab.onDestroy('control plane', () => plane.stop());
  const cluster = new Cluster(plane.kubeconfig);
  const core = plane.kubeconfig.makeApiClient(CoreV1Api);
  await core.createNamespacedSecret({
    namespace: INSTALL_NAMESPACE,
    body: { metadata: { name: 'portside-liveness-key' }, data: { key: randomBytes(32).toString('base64') } },
  });

  const nodes: LabNode[] = [];
  for (let i = 0; i < opts.nodes; i++) {
    const name = `node${i + 1}`;
    const ip = addr(3 + i);
    const ns = await lab.namespace(name);
    await lab.link(ns, lan, { ifname: 'eth0', addrs: [`${ip}/28`] });
    await core.createNode({ body: { metadata: { name, labels: { 'kubernetes.io/hostname': name } } } });
    await core.patchNodeStatus({ name, body: { status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } } }, mergePatch());
    nodes.push({ name, ns, ip, speaker: undefined });
  }

  const controller = new LabProcess('controller', [
    process.execPath, BIN, 'controller', '--kubeconfig', plane.kubeconfigPath, '--leader-elect=false', '--metrics-addr', '127.0.0.1:0',
  ], { logFile: join(lab.dir, 'controller.log') });
  lab.trackProcess(controller);

  const custom = cluster.custom;
  const where = (plural: string) => ({ group: GROUP, version: VERSION, namespace: INSTALL_NAMESPACE, plural });
  const self: LabCluster = {
    lab, plane, cluster, lan, subnet, addr, nodes, controller,
    async host(name, offset) {
      const ns = await lab.namespace(name, { forwarding: true });
      await lab.link(ns, lan, { ifname: 'eth0', addrs: [`${addr(offset)}/28`] });
      return ns;
    },
    startSpeaker(node) {
      node.speaker = node.ns.spawn(process.execPath, [
        BIN, 'speaker', '--node-name', node.name, '--kubeconfig', plane.kubeconfigPath,
        '--metrics-addr', '127.0.0.1:0', '--log-level', 'debug',
      ], { name: 'speaker', env: { ...process.env, PORTSIDE_GRACEFUL_SHUTDOWN_MS: '200', ...opts.speakerEnv } });
      return node.speaker;
    },
    async scrape(node, path) {
      const started = node.speaker?.logTail(400).split('\n').find((l) => l.includes('"event":"started"'));
      const addr = started && (JSON.parse(started) as { metrics?: string }).metrics;
      if (!addr) throw new Error(`${node.name}: no metrics address in the speaker log`);
      const script = `const r = await fetch('http://${addr}${path}'); console.log(JSON.stringify({ status: r.status, body: await r.text() }))`;
      const { stdout } = await node.ns.exec(process.execPath, ['--input-type=module', '-e', script]);
      return JSON.parse(stdout) as { status: number; body: string };
    },
    async configState(node) {
      return (await cluster.configurationState(INSTALL_NAMESPACE, `speaker-${node}`)) as Awaited<ReturnType<LabCluster['configState']>>;
    },
    async apply(plural, kind, name, spec) {
      try {
        await custom.createNamespacedCustomObject({ ...where(plural), body: { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name }, spec } });
      } catch {
        await custom.patchNamespacedCustomObject({ ...where(plural), name, body: { spec } }, mergePatch());
      }
    },
    async remove(plural, name) {
      await custom.deleteNamespacedCustomObject({ ...where(plural), name });
    },
    async list(plural) {
      const list = (await custom.listNamespacedCustomObject(where(plural))) as { items: Awaited<ReturnType<LabCluster['list']>> };
      return list.items;
    },
  };
  // LIFO: speakers and the controller stop while the apiserver still answers.
  lab.onDestroy('portside processes', async () => {
    await Promise.all([controller, ...nodes.map((n) => n.speaker)].map((p) => p?.stop({ timeoutMs: 3_000 })));
  });
  for (const node of nodes) self.startSpeaker(node);
  await waitFor(async () => {
    for (const n of nodes) if ((await self.configState(n.name))?.result === undefined) return false;
    return true;
  }, { timeoutMs: 20_000, what: 'every speaker to write its ConfigurationState' });
  return self;
}

/** A Service with one ready endpoint per named node (an EndpointSlice the test writes). */
export async function serviceWithEndpoints(c: LabCluster, namespace: string, name: string, nodes: readonly LabNode[]): Promise<void> {
  await c.cluster.namespace(namespace);
  await c.cluster.service(namespace, name);
  const discovery = (await import('@kubernetes/client-node')).DiscoveryV1Api;
  await c.plane.kubeconfig.makeApiClient(discovery).createNamespacedEndpointSlice({
    namespace,
    body: {
      metadata: { name: `${name}-e2e`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ port: 80, protocol: 'TCP' }],
      endpoints: nodes.map((n, i) => ({ addresses: [`10.244.${i}.10`], nodeName: n.name, conditions: { ready: true } })),
    },
  });
}
