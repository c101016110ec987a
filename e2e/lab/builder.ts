// The one lab builder: `make lab`, every netns test and the benchmarks describe their
// topology as a few lines of config over it. Pieces: a switch (a bridge in the lab's switch
// namespace) with an addressing plan; N nodes on it; a router namespace with an optional
// client behind it (its routing daemon comes from e2e/routers); clients on the segment; a
// root-namespace foot with a real control plane bound on it; and what each node runs (the
// shipped `portside speaker`, or a test worker) as a parameter. Nodes are namespaces with
// Node objects the builder writes, or — `nodes.kubelet` — real kubelets with containerd
// and kube-proxy (e2e/nodes) that register themselves and run Pods. Namespaces, links and
// processes are e2e/netns: destroying the Lab removes everything built here.
import { CoreV1Api } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { mergePatch } from '../k8s/patch.ts';
import { ControlPlaneUnavailable, INSTALL_NAMESPACE, SERVICE_CIDRS, startControlPlane, type ControlPlane } from '../controlplane.ts';
import { LabProcess, run, type Bridge, type Lab, type Link, type Netns } from '../netns/index.ts';
import { KUBELET_CONTROL_PLANE, POD_NETWORK, startKubeletNodes, type KubeletNode, type KubeletNodes } from '../nodes/index.ts';

const BIN = new URL('../../bin/portside.ts', import.meta.url).pathname;

/** A segment's subnets. Host n is the IPv4 base + n and, in IPv6, `<prefix>n` (.11 ↔ ::11). */
export interface Subnets {
  /** /24 or longer, e.g. 198.51.100.0/24 or 198.51.100.160/28. */
  v4: string;
  /** A /64 written with a trailing `::`, e.g. 2001:db8:100::/64. */
  v6?: string;
}

export interface HostAddresses {
  v4: string;
  v6?: string;
  /** Both, with their prefix lengths, as an interface takes them. */
  cidrs: string[];
}

/** Addresses of host `n` of a segment. */
export function hostAddresses(subnets: Subnets, n: number): HostAddresses {
  const [net4 = '', len4 = ''] = subnets.v4.split('/');
  const octets = net4.split('.').map(Number);
  const last = (octets[3] ?? NaN) + n;
  if (octets.length !== 4 || Number(len4) < 24 || !(last >= 0 && last < 256)) throw new Error(`host ${n} is not in ${subnets.v4}`);
  const v4 = [...octets.slice(0, 3), last].join('.');
  const [net6 = '', len6] = subnets.v6?.split('/') ?? [];
  if (subnets.v6 && (len6 !== '64' || !net6.endsWith('::'))) throw new Error(`${subnets.v6}: the plan takes a /64 ending in ::`);
  const v6 = subnets.v6 ? `${net6}${n}` : undefined;
  return { v4, v6, cidrs: [`${v4}/${len4}`, ...(v6 ? [`${v6}/64`] : [])] };
}

/** The host number of an address on a /24 segment: its last octet. */
export function hostOf(v4: string): number {
  return Number(v4.split('.')[3]);
}

/** One namespace plugged into the switch at `eth0`. */
export interface LabHost {
  name: string;
  ns: Netns;
  /** Its switch port: setDown() cuts the host off without its own interface flapping. */
  link: Link;
  mac: string;
  v4: string;
  v6?: string;
}

/** A node; `speaker` is what it runs now (the last start()), if anything. */
export interface LabNode<S> extends LabHost {
  speaker?: S;
  /** Its kubelet, containerd and kube-proxy, when the lab's nodes are real (`nodes.kubelet`). */
  kubelet?: KubeletNode;
}

export interface LabRouter extends LabHost {
  /** The client namespace behind the router, when asked for. */
  behind?: LabClient;
}

export interface LabClient {
  name: string;
  ns: Netns;
  v4: string;
  v6?: string;
}

/** What a node runs: portsideSpeaker(), or a test worker started in `node.ns`. */
export type NodeProgram<S> = (node: LabNode<S>, ctx: { lab: Lab; plane?: ControlPlane }) => S | Promise<S>;

export interface HostOptions {
  mac?: string;
  /** More addresses on eth0 (CIDR). */
  addrs?: readonly string[];
  forwarding?: boolean;
}

export interface NodesSpec<S> {
  count: number;
  /** Host number of the first node; node i is first + i. Default 10. */
  first?: number;
  /** Default n1, n2, … */
  name?: (i: number) => string;
  mac?: (i: number) => string;
  addrs?: (i: number) => readonly string[];
  /** On every node's lo: local (the node serves them), never answered by its kernel's ARP/NDP. */
  vips?: readonly string[];
  /** Labels of the Node object (kubernetes.io/hostname is always set). */
  labels?: (i: number) => Record<string, string>;
  /** Per-node setup once its network is up (a kube-proxy stand-in, an HTTP server on the VIP …). */
  setup?: (node: LabNode<S>, i: number) => Promise<void>;
  /** What start(node) and startNodes() run unless told otherwise. */
  runs?: NodeProgram<S>;
  /**
   * Real nodes: each runs containerd, a kubelet and kube-proxy (e2e/nodes) and registers its
   * own Node; Pods get addresses from POD_NETWORK (routed from the root namespace's foot). The
   * control plane then also runs the workload controllers and kube-scheduler.
   */
  kubelet?: boolean;
}

export interface RouterSpec {
  /** Namespace name; default 'tor'. */
  name?: string;
  host: number;
  mac?: string;
  /** Nodes send everything off the segment to the router (default routes). */
  gateway?: boolean;
  /** A client on a point-to-point link behind the router: the router is host 1 of these subnets, the client host 2. */
  behind?: { name: string } & Subnets;
}

export type ClientSpec = { host: number; mac?: string };

export interface LabSpec<S, C extends string> {
  /** The switch's subnets. */
  lan: Subnets;
  /** The root namespace's foot on the switch (the control plane binds there). */
  root?: { host: number };
  nodes?: NodesSpec<S>;
  router?: RouterSpec;
  clients?: Record<C, ClientSpec>;
  /**
   * A real control plane on the root foot: Node objects for the nodes, the liveness Secret.
   * `bare`: neither the CRDs nor the liveness Secret — the test installs Portside itself
   * (the shipped manifests and the README's Secret, e2e/pods).
   */
  controlPlane?: {
    controllerArgs?: readonly string[];
    bare?: boolean;
    /** The controller's entry point and Node flags, as portsideSpeaker() takes them. */
    controllerBin?: string;
    controllerNodeFlags?: readonly string[];
  };
  /** Wraps each build phase (progress lines, state records); default: runs it. */
  step?: Step;
}

export type Step = <T>(what: string, body: () => Promise<T>) => Promise<T>;

export interface BuiltLab<S, C extends string> {
  lab: Lab;
  lan: Bridge;
  subnets: Subnets;
  root?: { ifname: string } & HostAddresses;
  nodes: LabNode<S>[];
  router?: LabRouter;
  clients: Record<C, LabHost>;
  plane?: ControlPlane;
  /** The real nodes (`nodes.kubelet`): binaries used and the time until every Node was Ready. */
  kubelets?: KubeletNodes;
  /** The last startController(). */
  controller?: LabProcess;
  /** One more namespace on the switch at host `n`. */
  host(name: string, n: number, opts?: HostOptions): Promise<LabHost>;
  /** Starts `program` (default: the spec's `runs`) on the node and records it as `node.speaker`. */
  start(node: LabNode<S>, program?: NodeProgram<S>): Promise<S>;
  startNodes(): Promise<S[]>;
  /** `portside controller` in the root namespace against the lab's control plane. */
  startController(): LabProcess;
}

/** The shipped `portside speaker` in the node's namespace, against the lab's control plane. */
export function portsideSpeaker(opts: {
  args?: (node: LabHost) => readonly string[];
  env?: Record<string, string>;
  nice?: number;
  /** The program's entry point: default bin/portside.ts; a benchmark passes the compiled build (bench/_compiled.ts). */
  bin?: string;
  /** Node flags before the entry point (a Pod's NODE_OPTIONS). */
  nodeFlags?: readonly string[];
} = {}): NodeProgram<LabProcess> {
  return (node, { plane }) => {
    if (!plane) throw new Error('portside speaker: the lab has no control plane');
    const args = [
      ...(opts.nodeFlags ?? []), opts.bin ?? BIN, 'speaker', '--node-name', node.name, '--kubeconfig', plane.kubeconfigPath, '--namespace', INSTALL_NAMESPACE,
      ...(opts.args?.(node) ?? []),
    ];
    // `nice` execs in place: the PID is still the speaker's own.
    const [command, argv] = opts.nice ? ['nice', ['-n', String(opts.nice), process.execPath, ...args]] : [process.execPath, args];
    return node.ns.spawn(command, argv, { name: 'speaker', env: { ...process.env, ...opts.env } });
  };
}

/** When the control plane is unavailable here: skip `t` loudly (true), unless CI=true. */
export function controlPlaneSkipped(t: TestContext, err: unknown): boolean {
  const missing = [err, (err as Error | undefined)?.cause].find((e) => e instanceof ControlPlaneUnavailable);
  if (!missing || process.env.CI === 'true') return false;
  process.stderr.write(`\n*** SKIPPED ${t.name}: ${missing.message} ***\n`);
  t.skip(missing.message);
  return true;
}

async function rootFoot(lab: Lab, lan: Bridge, addrs: HostAddresses): Promise<string> {
  const { stdout } = await run('ip', ['-o', 'addr', 'show', 'to', addrs.v4]);
  const taken = stdout.trim().split(/\s+/)[1];
  if (taken) throw new Error(`${addrs.v4} is already on ${taken} in the root namespace (another lab still up? run \`make lab-down\`)`);
  const ifname = `${lab.prefix}-up`;
  await run('ip', ['link', 'add', ifname, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', lan.switchNs.name]);
  lab.onDestroy('root veth', async () => void (await run('ip', ['link', 'del', ifname]).catch(() => undefined)));
  await lan.switchNs.ip(['link', 'set', 'uplink', 'master', lan.name, 'up']);
  for (const cidr of addrs.cidrs) await run('ip', ['addr', 'add', cidr, 'dev', ifname, ...(cidr.includes(':') ? ['nodad'] : [])]);
  await run('ip', ['link', 'set', ifname, 'up']);
  return ifname;
}

async function defaultRoutes(ns: Netns, v4: string, v6: string | undefined): Promise<void> {
  await ns.ip(['route', 'add', 'default', 'via', v4]);
  if (v6) await ns.ip(['-6', 'route', 'add', 'default', 'via', v6]);
}

async function registerNodes(plane: ControlPlane, nodes: readonly LabHost[], labels: (i: number) => Record<string, string>, secret: boolean): Promise<void> {
  const core = plane.kubeconfig.makeApiClient(CoreV1Api);
  if (secret) {
    await core.createNamespacedSecret({
      namespace: INSTALL_NAMESPACE,
      body: { metadata: { name: 'portside-liveness-key' }, data: { key: randomBytes(32).toString('base64') } },
    });
  }
  for (const [i, n] of nodes.entries()) {
    await core.createNode({ body: { metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...labels(i) } } } });
    const addresses = [...[n.v4, n.v6].filter((a) => a !== undefined).map((address) => ({ type: 'InternalIP', address })), { type: 'Hostname', address: n.name }];
    const conditions = [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'lab node' }];
    await core.patchNodeStatus({ name: n.name, body: { status: { addresses, conditions } } }, mergePatch());
  }
}

/** Builds the topology `spec` describes inside `lab`. */
export async function buildLab<S = never, C extends string = never>(lab: Lab, spec: LabSpec<S, C>): Promise<BuiltLab<S, C>> {
  const step: Step = spec.step ?? ((_what, body) => body());
  const at = (n: number) => hostAddresses(spec.lan, n);

  const { lan, root } = await step(`switch ${[spec.lan.v4, spec.lan.v6].filter(Boolean).join(' ')}${spec.root ? ' and the root namespace\'s foot on it' : ''}`, async () => {
    const bridge = await lab.bridge('lan');
    if (!spec.root) return { lan: bridge, root: undefined };
    const addrs = at(spec.root.host);
    return { lan: bridge, root: { ...addrs, ifname: await rootFoot(lab, bridge, addrs) } };
  });

  const host = async (name: string, n: number, opts: HostOptions = {}): Promise<LabHost> => {
    const ns = await lab.namespace(name, { forwarding: opts.forwarding });
    const addrs = at(n);
    const link = await lab.link(ns, lan, { ifname: 'eth0', addrs: [...addrs.cidrs, ...(opts.addrs ?? [])], mac: opts.mac });
    return { name, ns, link, mac: await link.mac(), v4: addrs.v4, v6: addrs.v6 };
  };

  const routerAt = spec.router ? at(spec.router.host) : undefined;
  const nodeSpec = spec.nodes;
  const names = Array.from({ length: nodeSpec?.count ?? 0 }, (_, i) => nodeSpec?.name?.(i) ?? `n${i + 1}`);
  const nodes = await step(`nodes ${names.join(', ') || '(none)'} on the switch`, () => Promise.all(names.map(async (name, i): Promise<LabNode<S>> => {
    const node: LabNode<S> = await host(name, (nodeSpec?.first ?? 10) + i, { mac: nodeSpec?.mac?.(i), addrs: nodeSpec?.addrs?.(i) });
    // A VIP on lo is the speaker's to announce: arp_ignore=1 answers only for addresses of the
    // asking interface, arp_announce=2 never sources ARP from it; the kernel never answers
    // IPv6 NS on eth0 for an address on lo.
    await node.ns.sysctls({ 'net.ipv4.conf.all.arp_ignore': 1, 'net.ipv4.conf.all.arp_announce': 2 });
    for (const vip of nodeSpec?.vips ?? []) await node.ns.addAddress('lo', vip);
    if (routerAt && spec.router?.gateway) await defaultRoutes(node.ns, routerAt.v4, node.v6 && routerAt.v6);
    await nodeSpec?.setup?.(node, i);
    return node;
  })));

  const clientSpecs = Object.entries(spec.clients ?? {}) as Array<[C, ClientSpec]>;
  const behindIt = spec.router?.behind ? ` with ${spec.router.behind.name} behind it` : '';
  const routerLabel = spec.router ? `router ${spec.router.name ?? 'tor'}${behindIt}, ` : '';
  const { router, clients } = await step(`${routerLabel}clients ${clientSpecs.map(([c]) => c).join(', ') || '(none)'}`, async () => {
    let r: LabRouter | undefined;
    if (spec.router) {
      const { name = 'tor', host: n, mac, behind } = spec.router;
      r = await host(name, n, { mac, forwarding: true });
      // Hash on ports too, so one client's connections spread over the ECMP next hops.
      await r.ns.sysctls({ 'net.ipv4.fib_multipath_hash_policy': 1, 'net.ipv6.fib_multipath_hash_policy': 1 });
      if (behind) {
        const [near, far] = [hostAddresses(behind, 1), hostAddresses(behind, 2)];
        const ns = await lab.namespace(behind.name);
        await lab.veth(r.ns, ns, { a: { ifname: 'eth1', addrs: near.cidrs }, b: { ifname: 'eth0', addrs: far.cidrs } });
        await defaultRoutes(ns, near.v4, near.v6);
        r.behind = { name: behind.name, ns, v4: far.v4, v6: far.v6 };
      }
    }
    const made = await Promise.all(clientSpecs.map(async ([name, c]) => [name, await host(name, c.host, { mac: c.mac })] as const));
    return { router: r, clients: Object.fromEntries(made) as Record<C, LabHost> };
  });

  const kubelet = nodeSpec?.kubelet === true;
  let plane: ControlPlane | undefined;
  if (spec.controlPlane) {
    if (!root) throw new Error('buildLab: the control plane needs the root foot (spec.root)');
    const what = kubelet ? 'etcd + kube-apiserver + controller-manager + scheduler' : 'etcd + kube-apiserver';
    plane = await step(`control plane (${what} on ${root.v4}), ${kubelet ? '' : 'Node objects and '}the liveness Secret`, async () => {
      const bare = spec.controlPlane?.bare === true;
      const started = await startControlPlane({ bindAddress: root.v4, ...(kubelet ? KUBELET_CONTROL_PLANE : {}), ...(bare ? { crds: false } : {}) });
      lab.onDestroy('control plane', () => started.stop());
      // LIFO: runs first, so speakers and the controller stop while the apiserver still answers.
      lab.onDestroy('lab processes', async () => void (await Promise.all(lab.processes.map((p) => p.stop({ timeoutMs: 3_000 })))));
      await registerNodes(started, kubelet ? [] : nodes, nodeSpec?.labels ?? (() => ({})), !bare);
      return started;
    });
  }
  let kubelets: KubeletNodes | undefined;
  if (kubelet) {
    if (!plane || !root) throw new Error('buildLab: kubelet nodes need the control plane (spec.controlPlane)');
    const cp = plane;
    kubelets = await step(`kubelet, containerd and kube-proxy on ${names.join(', ')}; every Node Ready`, async () => {
      const started = await startKubeletNodes(lab, cp, nodes.map((n, i) => ({
        name: n.name, netns: n.ns.name, v4: n.v4, v6: n.v6, labels: nodeSpec?.labels?.(i),
        podCidr: POD_NETWORK.node(i), clusterCidr: POD_NETWORK.cluster,
      })));
      for (const [i, n] of nodes.entries()) {
        n.kubelet = started.nodes.find((k) => k.name === n.name);
        // Replies to Pods (a Pod calling the apiserver through the `kubernetes` Service) route back via their node.
        await run('ip', ['route', 'add', POD_NETWORK.node(i), 'via', n.v4, 'dev', root.ifname]);
        // A hostNetwork Pod (the speaker) dials ClusterIPs from the node itself: the route lookup
        // precedes kube-proxy's DNAT, so the node needs a route for them, as a real node's default
        // route gives it (without one: ENETUNREACH). After DNAT the apiserver is on the switch.
        if (!routerAt || !spec.router?.gateway) await n.ns.ip(['route', 'add', SERVICE_CIDRS[0], 'via', root.v4]);
      }
      return started;
    });
  }

  const built: BuiltLab<S, C> = {
    lab, lan, subnets: spec.lan, root, nodes, router, clients, plane, kubelets, host,
    async start(node, program = nodeSpec?.runs) {
      if (!program) throw new Error(`buildLab: nothing to run on ${node.name}`);
      node.speaker = await program(node, { lab, plane });
      return node.speaker;
    },
    startNodes: () => Promise.all(nodes.map((n) => built.start(n))),
    startController() {
      if (!plane) throw new Error('portside controller: the lab has no control plane');
      const proc = new LabProcess('controller', [
        process.execPath, ...(spec.controlPlane?.controllerNodeFlags ?? []), spec.controlPlane?.controllerBin ?? BIN, 'controller', '--kubeconfig', plane.kubeconfigPath, '--namespace', INSTALL_NAMESPACE,
        '--leader-elect=false', ...(spec.controlPlane?.controllerArgs ?? []),
      ], { logFile: join(lab.dir, 'controller.log') });
      lab.trackProcess(proc);
      built.controller = proc;
      return proc;
    },
  };
  return built;
}
