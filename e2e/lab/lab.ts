// The whole Portside lab, step by step, shared by `make lab` and the lab e2e tests:
// network (network.ts), a real control plane bound on the lab bridge, the API objects
// (objects.ts), `portside controller` and one `portside speaker` per node. A failed step
// tears everything down and says which step failed.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../controlplane.ts';
import { Lab, LabProcess, type Netns } from '../netns/index.ts';
import { waitReady } from '../routers/ready.ts';
import { waitFor } from '../wait.ts';
import type { ProbeSummary } from './http-probe.ts';
import { buildNetwork, type LabNetwork } from './network.ts';
import { LabObjects } from './objects.ts';
import { LIVENESS_PORT, NODES, ROOT_V4, SERVICES, SPEAKER_METRICS_PORT } from './plan.ts';
import { claimLab, releaseLab, STATE_FILE, writeState, type LabState, type RecordedProcess } from './state.ts';

const BIN = new URL('../../bin/portside.ts', import.meta.url).pathname;
const PROBE = join(import.meta.dirname, 'http-probe.ts');

export interface StartLabOptions {
  kind: 'make' | 'test';
  /** Progress lines ("[3/9] FRR top-of-rack … ok 812 ms"). */
  say?: (line: string) => void;
  /** A test waits this long for another test's lab to finish. */
  waitLockMs?: number;
  /** Also create the two sample Services and wait until they are served. Default true. */
  services?: boolean;
}

export interface PortsideLab {
  lab: Lab;
  net: LabNetwork;
  plane: ControlPlane;
  objects: LabObjects;
  controller: LabProcess;
  speakers: Map<string, LabProcess>;
  state: LabState;
  startSpeaker(node: string): LabProcess;
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
  let plane: ControlPlane | undefined;
  const record = async (): Promise<void> => {
    const procs: RecordedProcess[] = [
      ...lab.processes.filter((p) => p.running).map((p) => ({ pid: p.pid, name: p.name, match: cmdlineMatch(p.pid) })),
      ...(plane?.processes ?? []).map((p) => ({ ...p, match: cmdlineMatch(p.pid) })),
    ];
    Object.assign(state, {
      namespaces: lab.namespaces.map((n) => n.name),
      processes: procs,
      dirs: [lab.dir, ...(plane ? [plane.dir] : []), ...lab.namespaces.map((n) => `/var/run/frr/${n.name}-frr`)],
    });
    await writeState(state);
  };
  let n = 0;
  const step = async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    const began = Date.now();
    say(`[${++n}/${STEPS}] ${what} …`);
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

  const speakers = new Map<string, LabProcess>();
  try {
    const net = await buildNetwork(lab, step);
    plane = await step(`control plane (etcd + kube-apiserver on ${ROOT_V4})`, () => startControlPlane({ bindAddress: ROOT_V4 }));
    const cp = plane;
    lab.onDestroy('control plane', () => cp.stop());
    const objects = new LabObjects(cp.kubeconfig);
    await step('Nodes, liveness Secret, pools, BGPPeer, BFDProfile and advertisements', async () => {
      await objects.createNodes();
      await objects.createLivenessSecret();
      await objects.applyConfig();
    });

    const startController = (): LabProcess => {
      const proc = new LabProcess('controller', [
        process.execPath, BIN, 'controller', '--kubeconfig', cp.kubeconfigPath, '--namespace', 'portside-system',
        '--leader-elect=false', '--metrics-addr', `${ROOT_V4}:7472`,
      ], { logFile: join(lab.dir, 'controller.log') });
      lab.trackProcess(proc);
      void record().catch(() => undefined);
      return proc;
    };
    const startSpeaker = (node: string): LabProcess => {
      const nodeNet = net.nodes.find((x) => x.plan.name === node);
      if (!nodeNet) throw new Error(`no lab node ${node}`);
      const proc = nodeNet.ns.spawn(process.execPath, [
        BIN, 'speaker', '--node-name', node, '--kubeconfig', cp.kubeconfigPath, '--namespace', 'portside-system',
        '--metrics-addr', `${nodeNet.plan.v4}:${SPEAKER_METRICS_PORT}`, '--liveness-port', String(LIVENESS_PORT),
      ], { name: 'speaker', env: { ...process.env, PORTSIDE_GRACEFUL_SHUTDOWN_MS: '300' } });
      speakers.set(node, proc);
      void record().catch(() => undefined);
      return proc;
    };
    // LIFO: runs before the control plane stops, so the speakers withdraw cleanly.
    let controller: LabProcess | undefined;
    lab.onDestroy('portside processes', async () => {
      await Promise.all([controller, ...speakers.values()].map((p) => p?.stop({ timeoutMs: 3_000 })));
    });
    controller = await step('portside controller', async () => startController());
    await step('portside speaker on node-1..3 (BGP sessions with the ToR)', async () => {
      for (const node of NODES) startSpeaker(node.name);
      await waitReady([...speakers.values()], async () => {
        const peers = await net.frr.bgpNeighbors();
        return NODES.every((x) => peers[x.v4]?.bgpState === 'Established');
      }, 'every speaker Established with the ToR', 60_000);
    });

    const self: PortsideLab = {
      lab, net, plane: cp, objects, speakers, state, startSpeaker,
      get controller() {
        return controller as LabProcess;
      },
      startController: () => (controller = startController()),
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
    await plane?.stop().catch(() => undefined);
    await releaseLab(prefix);
    throw err;
  }
}
