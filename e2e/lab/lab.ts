// The whole Portside lab, step by step, shared by `make lab` and the lab e2e tests: the
// topology over the lab builder (switch with the root namespace's foot, three nodes with
// kube-proxy stand-ins, a ToR with client-out behind it, client-l2, a real control plane on
// the root foot), FRR on the ToR, the API objects (objects.ts), `portside controller` and
// one `portside speaker` per node, with the BGP backend asked for (backends.ts: the node's
// sidecar or operator FRR starts beside it). With `kubelet` (`make lab KUBELET=1`) the nodes are real
// kubelets with containerd and kube-proxy (e2e/nodes) that register themselves and run
// Pods; the speakers and the controller are still processes. A failed step tears
// everything down and says which.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlPlane } from '../controlplane.ts';
import { Lab, type LabProcess, type Netns } from '../netns/index.ts';
import type { KubeletNodes } from '../nodes/index.ts';
import { startFrr, type FrrRouter } from '../routers/index.ts';
import { waitReady } from '../routers/ready.ts';
import { waitFor } from '../wait.ts';
import { nodeBackend, type LabBgpBackend, type NodeBackend } from './backends.ts';
import { buildLab, portsideSpeaker, type LabNode } from './builder.ts';
import type { ProbeSummary } from './http-probe.ts';
import { startKubeProxyStandIn } from './kube-proxy.ts';
import { LabObjects } from './objects.ts';
import {
  BFD_PROFILE, HOST, LAN, LIVENESS_PORT, NODE_ASN, NODES, ROOT_V4, SERVICES, SPEAKER_METRICS_PORT, TOR_ASN, TOR_V4, UPLINK,
} from './plan.ts';
import { claimLab, releaseLab, STATE_FILE, writeState, type LabState, type RecordedProcess } from './state.ts';

const PROBE = join(import.meta.dirname, 'http-probe.ts');

export interface StartLabOptions {
  kind: 'make' | 'test';
  /** Progress lines ("[3/9] router tor … ok 812 ms"). */
  say?: (line: string) => void;
  /** A test waits this long for another test's lab to finish. */
  waitLockMs?: number;
  /** Also create the two sample Services and wait until they are served. Default true. */
  services?: boolean;
  /** Real kubelet nodes (containerd, kubelet, kube-proxy) instead of Node objects the lab writes. */
  kubelet?: boolean;
  /** Who speaks BGP for the nodes; default native. */
  bgpBackend?: LabBgpBackend;
}

export interface PortsideLab {
  lab: Lab;
  net: { nodes: LabNode<LabProcess>[]; frr: FrrRouter; clientOut: Netns; clientL2: Netns };
  plane: ControlPlane;
  /** The real kubelet nodes (`kubelet`). */
  kubelets?: KubeletNodes;
  objects: LabObjects;
  /** Who speaks BGP for the nodes, and their FRR (frr, host-frr). */
  backend: NodeBackend;
  controller: LabProcess;
  /** Each node's current speaker. */
  speakers: Map<string, LabProcess>;
  state: LabState;
  startSpeaker(node: string): Promise<LabProcess>;
  startController(): LabProcess;
  /** `count` requests to http://ip/ from a client namespace (fresh connection each). */
  probe(client: Netns, ip: string, count?: number, intervalMs?: number, timeoutMs?: number): Promise<ProbeSummary>;
  destroy(): Promise<void>;
}

const STEPS = 9;

function cmdlineMatch(pid: number): string {
  try {
    // The longest argument (a kubeconfig, pid-file or script path) is the most specific.
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return args.reduce((a, b) => (b.length > a.length ? b : a), '');
  } catch {
    return `pid ${pid} gone`;
  }
}

export async function startPortsideLab(opts: StartLabOptions): Promise<PortsideLab> {
  const say = opts.say ?? (() => undefined);
  const prefix = `pslab${randomBytes(2).toString('hex').slice(0, 3)}`;
  const state: LabState = {
    kind: opts.kind, ownerPid: process.pid, prefix, startedAt: new Date().toISOString(), ready: false,
    namespaces: [], processes: [], rootIf: `${prefix}-up`, dirs: [],
  };
  await claimLab(state, { waitMs: opts.waitLockMs ?? 0 });
  const dropStateOnExit = () => {
    if (JSON.parse(readFileSync(STATE_FILE, 'utf8') || '{}').prefix === prefix) rmSync(STATE_FILE, { force: true });
  };
  process.on('exit', () => { try { dropStateOnExit(); } catch { /* already gone */ } });

  const lab = await Lab.create({ prefix });
  const backend = nodeBackend(lab, opts.bgpBackend ?? 'native');
  let plane: ControlPlane | undefined;
  let nodes: readonly LabNode<LabProcess>[] = [];
  const record = async (): Promise<void> => {
    const procs: RecordedProcess[] = [
      ...lab.processes.filter((p) => p.running).map((p) => ({ pid: p.pid, name: p.name, match: cmdlineMatch(p.pid) })),
      ...(plane?.processes ?? []).map((p) => ({ ...p, match: cmdlineMatch(p.pid) })),
    ];
    Object.assign(state, {
      namespaces: lab.namespaces.map((n) => n.name),
      processes: procs,
      // FRR's run dirs: the ToR's and host-frr's (-frr), the frr backend's sidecar and shared dir (e2e/speaker/frr-sidecar.ts).
      dirs: [lab.dir, ...(plane ? [plane.dir] : []), ...lab.namespaces.flatMap((n) => ['frr', 'sidecar', 'portside'].map((s) => `/var/run/frr/${n.name}-${s}`))],
      kubeletNodes: nodes.flatMap((x) => (x.kubelet ? [x.kubelet.leftovers] : [])),
    });
    await writeState(state);
  };
  let n = 0;
  const step = async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    const began = Date.now();
    say(`[${++n}/${STEPS + (opts.kubelet ? 1 : 0)}] ${what} …`);
    try {
      const value = await body();
      await record();
      say(`      ok (${Date.now() - began} ms)`);
      return value;
    } catch (err) {
      await record().catch(() => undefined);
      throw new Error(`step "${what}" failed: ${(err as Error).message}`, { cause: err });
    }
  };

  try {
    const built = await buildLab(lab, {
      lan: LAN,
      root: { host: HOST.root },
      nodes: {
        count: NODES.length,
        first: HOST.firstNode,
        name: (i) => NODES[i]?.name ?? `node-${i + 1}`,
        // A MAC that names its node on the board: 02:00:00:00:01:0<i>.
        mac: (i) => `02:00:00:00:01:${(i + 1).toString(16).padStart(2, '0')}`,
        labels: (i) => ({ 'topology.kubernetes.io/zone': NODES[i]?.zone ?? '' }),
        setup: async (node) => {
          await startKubeProxyStandIn(node);
          await backend.setup(node);
        },
        kubelet: opts.kubelet === true,
        runs: portsideSpeaker({
          // --state-dir: the node's hostPath, where a restarted speaker finds its restart marker.
          args: (node) => [
            '--metrics-addr', `${node.v4}:${SPEAKER_METRICS_PORT}`, '--liveness-port', String(LIVENESS_PORT), '--state-dir', join(lab.dir, 'state', node.name),
            ...backend.speakerArgs(node),
          ],
          env: { PORTSIDE_GRACEFUL_SHUTDOWN_MS: '300' },
        }),
      },
      router: { host: HOST.tor, mac: '02:00:00:00:00:fe', gateway: true, behind: { name: 'client-out', ...UPLINK } },
      clients: { 'client-l2': { host: HOST.clientL2, mac: '02:00:00:00:00:50' } },
      controlPlane: { controllerArgs: ['--metrics-addr', `${ROOT_V4}:7472`] },
      step,
    });
    const { router, clients } = built;
    nodes = built.nodes;
    const cp = built.plane;
    if (!router?.behind || !cp) throw new Error('lab: the builder made no router, client-out or control plane');
    plane = cp;
    await record();
    const frr = await step('FRR on the top-of-rack (dynamic neighbors, ECMP, BFD)', () => startFrr(lab, router.ns, {
      asn: TOR_ASN,
      routerId: TOR_V4,
      maximumPaths: 8,
      bfdProfiles: [{ name: BFD_PROFILE.name, receiveIntervalMs: BFD_PROFILE.intervalMs, transmitIntervalMs: BFD_PROFILE.intervalMs, detectMultiplier: BFD_PROFILE.multiplier }],
      listenRanges: [{ range: LAN.v4, peerGroup: 'NODES', remoteAs: NODE_ASN, timers: { keepaliveS: 3, holdS: 9 }, bfdProfile: BFD_PROFILE.name }],
    }));
    const net = { nodes: built.nodes, frr, clientOut: router.behind.ns, clientL2: clients['client-l2'].ns };
    const objects = new LabObjects(cp.kubeconfig);
    await step('pools, BGPPeer, BFDProfile and advertisements', () => objects.applyConfig({ hostFrr: backend.backend === 'host-frr' }));

    const node = (name: string) => {
      const found = built.nodes.find((x) => x.name === name);
      if (!found) throw new Error(`no lab node ${name}`);
      return found;
    };
    const startController = (): LabProcess => {
      const proc = built.startController();
      void record().catch(() => undefined);
      return proc;
    };
    const startSpeaker = async (name: string): Promise<LabProcess> => {
      const proc = await built.start(node(name));
      void record().catch(() => undefined);
      return proc;
    };
    await step('portside controller', async () => startController());
    const sessions = backend.backend === 'native' ? 'BGP sessions with the ToR' : `--bgp-backend ${backend.backend}: the nodes' FRR Established with the ToR`;
    await step(`portside speaker on node-1..3 (${sessions})`, async () => {
      const speakers = await built.startNodes();
      await waitReady(speakers, async () => {
        const peers = await frr.bgpNeighbors();
        return NODES.every((x) => peers[x.v4]?.bgpState === 'Established');
      }, 'every speaker Established with the ToR', 60_000);
    });

    const self: PortsideLab = {
      lab, net, plane: cp, kubelets: built.kubelets, objects, backend, state, startSpeaker, startController,
      get controller() {
        return built.controller as LabProcess;
      },
      get speakers() {
        return new Map(built.nodes.flatMap((n) => (n.speaker ? [[n.name, n.speaker] as const] : [])));
      },
      async probe(client, ip, count = 1, intervalMs = 0, timeoutMs = 1_000) {
        const host = ip.includes(':') ? `[${ip}]` : ip;
        const { stdout } = await client.exec(process.execPath, [PROBE, `http://${host}/`, String(count), String(intervalMs), String(timeoutMs)], {
          timeoutMs: 30_000 + count * (intervalMs + timeoutMs),
        });
        return JSON.parse(stdout) as ProbeSummary;
      },
      async destroy() {
        try {
          await lab.destroy();
        } finally {
          await releaseLab(prefix);
        }
      },
    };
    if (opts.services !== false) {
      await step('Services web-bgp (BGP, nodes 1–3) and web-l2 (L2, nodes 2–3) with EndpointSlices', async () => {
        await objects.createService({ ...SERVICES.bgp });
        await objects.createService({ ...SERVICES.l2, dualStack: true });
        const [bgpIp] = await objects.waitServiceIps(SERVICES.bgp.namespace, SERVICES.bgp.name);
        const [l2Ip] = await objects.waitServiceIps(SERVICES.l2.namespace, SERVICES.l2.name);
        await net.frr.waitKernelRoute(`${bgpIp}/32`, NODES.map((x) => x.v4), { timeoutMs: 30_000 });
        await waitFor(async () => (await self.probe(net.clientL2, l2Ip ?? '', 1, 0, 500)).ok === 1, { timeoutMs: 30_000, what: `client-l2 answered on ${l2Ip}` });
      });
    }
    state.ready = true;
    await record();
    return self;
  } catch (err) {
    say(`cleaning up after: ${(err as Error).message.split('\n')[0]}`);
    for (const p of [...lab.processes].filter((x) => !x.running || x.name.includes('speaker') || x.name === 'controller')) {
      if (p.exitStatus) say(`  ${p.name} exited ${JSON.stringify(p.exitStatus)}; log tail:\n${p.logTail(8).replace(/^/gm, '    ')}`);
    }
    await lab.destroy().catch((e: unknown) => say(`cleanup: ${(e as Error).message}`));
    await releaseLab(prefix);
    throw err;
  }
}
