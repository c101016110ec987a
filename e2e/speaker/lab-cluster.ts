// A whole Portside install over the lab builder: the real control plane on the switch's root
// foot (so node namespaces reach it), the real controller (`portside controller`) and one real
// `portside speaker` per node (each with its own --state-dir, the node's hostPath in a
// cluster). Addresses: a random /28 of 198.51.100.128/25, so parallel labs rarely share a root
// route. Optionally a router at host 2 that the nodes route through, with a client behind it.
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { DiscoveryV1Api, type V1ServiceSpec } from '@kubernetes/client-node';
import { INSTALL_NAMESPACE, type ControlPlane } from '../controlplane.ts';
import { Cluster } from '../controller/testkit.ts';
import { buildLab, controlPlaneSkipped, hostAddresses, portsideSpeaker, type LabHost, type LabNode, type LabRouter, type NodesSpec, type RouterSpec } from '../lab/builder.ts';
import { LabObjects } from '../lab/objects.ts';
import { Lab, requireCommands, requireRoot, type LabProcess, type Netns } from '../netns/index.ts';
import { waitFor } from '../wait.ts';

export type ClusterNode = LabNode<LabProcess>;

export interface LabCluster {
  lab: Lab;
  plane: ControlPlane;
  cluster: Cluster;
  /** The /28 in use, e.g. 198.51.100.160/28, and its addresses. */
  subnet: string;
  addr: (offset: number) => string;
  /** Host `offset`'s IPv6 address, when the lab is dual-stack (options.v6). */
  addr6: (offset: number) => string | undefined;
  nodes: ClusterNode[];
  /** With LabClusterOptions.router: the router at host 2 and the client behind it. */
  router?: LabRouter;
  controller: LabProcess;
  /** Stops the controller by its PID (SIGKILL with `kill`, else SIGTERM) and starts a new one; it becomes `controller`. */
  restartController(opts?: { kill?: boolean }): Promise<LabProcess>;
  /** Starts `portside speaker` on the node again (after it stopped); it becomes `node.speaker`. */
  startSpeaker(node: ClusterNode): Promise<LabProcess>;
  /** The node's --state-dir (its restart marker lives there). */
  stateDir(node: ClusterNode): string;
  /** Adds a forwarding namespace on the switch at `addr(offset)`. */
  host(name: string, offset: number): Promise<Netns>;
  /** GET a path of a speaker's metrics server (inside its namespace). */
  scrape(node: ClusterNode, path: string): Promise<{ status: number; body: string }>;
  configState(node: string): Promise<{ result?: string; errorSummary?: string; conditions?: { type: string; status: string }[] } | undefined>;
  apply: LabObjects['apply'];
  remove(plural: string, name: string): Promise<void>;
  list: LabObjects['list'];
}

export interface LabClusterOptions {
  nodes: number;
  /** Extra environment for the speakers. */
  speakerEnv?: Record<string, string>;
  /**
   * The speakers' nice level: the lab's stand-in for a speaker Pod with a CPU request on a
   * busy node (a shared 2-core test machine at load 10+ otherwise starves their timers).
   */
  speakerNice?: number;
  /** Node flags for the speakers (benchmarks: the Pod's V8 flags), before the program. */
  speakerNodeFlags?: readonly string[];
  /** Extra flags for a node's speaker, read at each start. */
  speakerArgs?: (node: LabHost) => readonly string[];
  /** Commands the test needs besides ip. */
  commands?: readonly string[];
  /** A forwarding router at host 2, the nodes' gateway when `gateway`, optionally with a client behind it. */
  router?: Omit<RouterSpec, 'host'>;
  /** Addresses on every node's lo and a per-node setup (e.g. a server on them), as the lab builder takes them. */
  vips?: NodesSpec<LabProcess>['vips'];
  setup?: NodesSpec<LabProcess>['setup'];
  /** A dual-stack segment: this /64 (ending in ::) of 2001:db8::/32 too. */
  v6?: string;
  /** Which nodes run `portside speaker` (default all); the others are bare namespaces for the caller (e.g. FRR as the node). */
  runsSpeaker?: (i: number) => boolean;
  /** The Lab's name prefix (default random). */
  prefix?: string;
}

/** Builds the lab, or returns undefined when the test was skipped (no root / binaries / control plane). */
export async function startLabCluster(t: TestContext, opts: LabClusterOptions): Promise<LabCluster | undefined> {
  if (!requireRoot(t) || !requireCommands(t, ['ip', ...(opts.commands ?? [])])) return undefined;
  const lab = await Lab.create(opts.prefix ? { prefix: opts.prefix } : {});
  t.after(() => lab.destroy());
  return buildLabCluster(lab, opts).catch((err: unknown) => {
    if (controlPlaneSkipped(t, err)) return undefined;
    throw err;
  });
}

/** Builds the lab cluster inside `lab` (the caller destroys it); throws when it cannot (benchmarks). */
export async function buildLabCluster(lab: Lab, opts: LabClusterOptions): Promise<LabCluster> {
  const subnet = `198.51.100.${128 + 16 * randomInt(0, 8)}/28`;
  const stateDir = (node: { name: string }) => join(lab.dir, 'state', node.name);
  const built = await buildLab(lab, {
    lan: { v4: subnet, ...(opts.v6 ? { v6: opts.v6 } : {}) },
    root: { host: 1 },
    nodes: {
      count: opts.nodes,
      first: 3,
      name: (i) => `node${i + 1}`,
      ...(opts.vips ? { vips: opts.vips } : {}),
      ...(opts.setup ? { setup: opts.setup } : {}),
      runs: portsideSpeaker({
        args: (node) => ['--metrics-addr', '127.0.0.1:0', '--log-level', 'debug', '--state-dir', stateDir(node), ...(opts.speakerArgs?.(node) ?? [])],
        env: { PORTSIDE_GRACEFUL_SHUTDOWN_MS: '200', ...opts.speakerEnv },
        ...(opts.speakerNice ? { nice: opts.speakerNice } : {}),
        ...(opts.speakerNodeFlags ? { nodeFlags: opts.speakerNodeFlags } : {}),
      }),
    },
    ...(opts.router ? { router: { ...opts.router, host: 2 } } : {}),
    controlPlane: { controllerArgs: ['--metrics-addr', '127.0.0.1:0'] },
  });
  if (!built.plane) throw new Error('buildLabCluster: the lab has no control plane');
  const plane = built.plane;
  const cluster = new Cluster(plane.kubeconfig);
  const objects = new LabObjects(plane.kubeconfig);
  const controller = built.startController();
  const speakerNodes = built.nodes.filter((_, i) => opts.runsSpeaker?.(i) ?? true);
  /** When each speaker process (by PID) was started: its `started` line is the first in the node's log after that. */
  const startedAt = new Map<number, number>();
  const startSpeaker = async (node: ClusterNode) => {
    const at = Date.now();
    const speaker = await built.start(node);
    startedAt.set(speaker.pid, at);
    return speaker;
  };
  await Promise.all(speakerNodes.map((n) => startSpeaker(n)));

  const metricsAddrs = new Map<number, string>();
  const self: LabCluster = {
    lab, plane, cluster, subnet, nodes: built.nodes, controller, stateDir,
    ...(built.router ? { router: built.router } : {}),
    startSpeaker,
    async restartController({ kill = false } = {}) {
      await (kill ? self.controller.kill() : self.controller.stop({ timeoutMs: 5_000 }));
      self.controller = built.startController();
      return self.controller;
    },
    addr: (offset) => hostAddresses(built.subnets, offset).v4,
    addr6: (offset) => hostAddresses(built.subnets, offset).v6,
    host: async (name, offset) => (await built.host(name, offset, { forwarding: true })).ns,
    async scrape(node, path) {
      const speaker = node.speaker;
      // The log is shared by every start on the node: this process's `started` line is the first
      // since it was started (until it prints one, the last is an earlier process's, now gone).
      // Remembered per process, since a long run's log can hold too much to search each time.
      let addr = speaker && metricsAddrs.get(speaker.pid);
      if (speaker && !addr) {
        const since = startedAt.get(speaker.pid) ?? 0;
        addr = speaker.jsonLines<{ event?: string; time?: string; metrics?: string }>().find((l) => l.event === 'started' && new Date(l.time ?? 0).getTime() >= since)?.metrics;
        if (addr) metricsAddrs.set(speaker.pid, addr);
      }
      if (!addr) throw new Error(`${node.name}: no metrics address in the speaker log`);
      const script = `const r = await fetch('http://${addr}${path}'); console.log(JSON.stringify({ status: r.status, body: await r.text() }))`;
      const { stdout } = await node.ns.exec(process.execPath, ['--input-type=module', '-e', script]);
      return JSON.parse(stdout) as { status: number; body: string };
    },
    async configState(node) {
      return (await cluster.configurationState(INSTALL_NAMESPACE, `speaker-${node}`)) as Awaited<ReturnType<LabCluster['configState']>>;
    },
    apply: (...args) => objects.apply(...args),
    remove: (plural, name) => objects.remove(plural, name),
    list: (plural) => objects.list(plural),
  };
  await waitFor(async () => {
    for (const n of speakerNodes) if ((await self.configState(n.name))?.result === undefined) return false;
    return true;
  }, { timeoutMs: 20_000, what: 'every speaker to write its ConfigurationState' });
  return self;
}

/** A Service with one ready endpoint per named node (an EndpointSlice the test writes). */
export async function serviceWithEndpoints(
  c: LabCluster, namespace: string, name: string, nodes: readonly ClusterNode[], spec?: Partial<V1ServiceSpec>, annotations?: Record<string, string>,
): Promise<void> {
  await c.cluster.namespace(namespace);
  await c.cluster.service(namespace, name, { ...(spec ? { spec } : {}), ...(annotations ? { annotations } : {}) });
  await c.plane.kubeconfig.makeApiClient(DiscoveryV1Api).createNamespacedEndpointSlice({
    namespace,
    body: {
      metadata: { name: `${name}-e2e`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ port: 80, protocol: 'TCP' }],
      endpoints: nodes.map((n, i) => ({ addresses: [`10.244.${i}.10`], nodeName: n.name, conditions: { ready: true } })),
    },
  });
}
