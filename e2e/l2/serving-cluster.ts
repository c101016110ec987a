// The real-speaker L2 lab the failover and acceptance tests share: startLabCluster (kube-apiserver
// + etcd, `portside controller`, one `portside speaker` per node namespace) with the VIPs the
// test will configure on every node's lo and an HTTP server per node that answers with the
// node's name, so a client's request shows which node the VIP's MAC led it to. Plus ranking,
// the liveness key (for heartbeats that must be dropped) and waits on what the probe sees.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import { LIVENESS_SECRET, LIVENESS_SECRET_KEY } from '../../lib/liveness/key-secret.ts';
import { ownerOf } from '../../speaker/l2/ownership.ts';
import { DEFAULT_LIVENESS } from '../../speaker/liveness/liveness-fsm.ts';
import { INSTALL_NAMESPACE } from '../controlplane.ts';
import { startLabCluster, type ClusterNode, type LabCluster, type LabClusterOptions } from '../speaker/lab-cluster.ts';
import { waitFor } from '../wait.ts';
import { describeAnswers, type AnswerProbe } from './segment-client.ts';
import { l2History } from './speaker-view.ts';

const NODE_HTTP = fileURLToPath(new URL('../lab/node-http.ts', import.meta.url));
export const HTTP_PORT = 8080;

/**
 * Speakers at nice -10 (L2_LAB_NICE overrides), as in faults.netns.test.ts: a speaker Pod with a
 * CPU request. On this shared 2-core machine (load 10+ from other work) an un-niced speaker's
 * timers lag by 0.4–0.9 s, which no liveness timeout of 300 ms survives.
 */
export const SPEAKER_NICE = Number(process.env.L2_LAB_NICE ?? -10);

export const vipUrl = (ip: string): string => (ip.includes(':') ? `http://[${ip}]:${HTTP_PORT}/` : `http://${ip}:${HTTP_PORT}/`);

/** A 3-node lab cluster on a dual-stack segment (`v6Prefix` ends in ::) whose nodes hold `vips` on lo and serve them over HTTP. */
export async function startServingCluster(t: TestContext, v6Prefix: string, vips: readonly string[], opts: Partial<LabClusterOptions> = {}): Promise<LabCluster | undefined> {
  return startLabCluster(t, {
    nodes: 3,
    v6: `${v6Prefix}/64`,
    speakerNice: SPEAKER_NICE,
    ...opts,
    vips: vips.map((ip) => (ip.includes(':') ? `${ip}/128` : `${ip}/32`)),
    setup: async (node) => void node.ns.spawn(process.execPath, [NODE_HTTP, node.name, String(HTTP_PORT)], { name: 'http' }),
  });
}

/** The owner of `ip` among `nodes` by the speakers' rank (no preferred nodes: weight 0). */
export function rankedOwner(ip: string, nodes: readonly ClusterNode[]): ClusterNode {
  const name = ownerOf(ip, nodes.map((n) => ({ node: n.name, weight: 0 })));
  const node = nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no owner for ${ip} among ${nodes.map((n) => n.name).join(', ')}`);
  return node;
}

/** The cluster's liveness key (the Secret the controller made), hex. */
export async function livenessKeyHex(c: LabCluster): Promise<string> {
  const secret = await c.plane.kubeconfig.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: INSTALL_NAMESPACE, name: LIVENESS_SECRET });
  const data = secret.data?.[LIVENESS_SECRET_KEY];
  if (!data) throw new Error(`Secret ${LIVENESS_SECRET} has no data.${LIVENESS_SECRET_KEY}`);
  return Buffer.from(data, 'base64').toString('hex');
}

/**
 * Waits until, for the last second of probes, every IPv4 probe was answered by exactly the
 * MAC `want.v4` and every IPv6 probe by `want.v6` (a family left out is not looked at).
 */
export async function waitAnsweredBy(c: LabCluster, probe: AnswerProbe, want: { v4?: ClusterNode; v6?: ClusterNode }, what: string, timeoutMs = 20_000): Promise<void> {
  const macs = { v4: want.v4?.mac, v6: want.v6?.mac };
  const only = (x: ReturnType<AnswerProbe['stats']>['v4'], mac: string | undefined) =>
    mac === undefined || (x.probes > 3 && x.unanswered === 0 && x.twoMacs === 0 && Object.keys(x.byMac).join() === mac);
  const from = Date.now();
  await waitFor(() => {
    const s = probe.stats(Date.now() - 1_300);
    return only(s.v4, macs.v4) && only(s.v6, macs.v6);
  }, { timeoutMs, intervalMs: 200, what }).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\nwanted ${JSON.stringify(macs)}; last second: ${describeAnswers(probe.stats(Date.now() - 1_300))}\n${l2History(c.nodes, from - 5_000)}`, { cause: err });
  });
}

/** `liveness_timer_lag` lines since `from` whose worst lag reached the liveness timeout: the host starved that speaker. */
export function starvedSpeakers(nodes: readonly ClusterNode[], from: number): string[] {
  return nodes.flatMap((n) => (n.speaker?.jsonLines<{ event?: string; time?: string; worstMs?: number }>() ?? [])
    .filter((l) => l.event === 'liveness_timer_lag' && (l.worstMs ?? 0) >= DEFAULT_LIVENESS.timeoutMs && new Date(l.time ?? 0).getTime() >= from)
    .map((l) => `${n.name} ${l.worstMs} ms at ${l.time}`));
}

/**
 * No probe since `from` was answered by two MACs — the invariant. One exception, reported loudly
 * and not failed: a speaker logged that its own timers ran a whole liveness timeout late (the
 * shared host starved it, so its peers rightly took it for dead while it still answered; the
 * README's "what remains"). Without such a line, two MACs fail the test.
 */
export function assertOneMacPerProbe(t: TestContext, c: LabCluster, probe: AnswerProbe, label: string, from: number): void {
  const s = probe.stats(from);
  const twice = s.v4.twoMacs + s.v6.twoMacs;
  if (twice === 0) return;
  const starved = starvedSpeakers(c.nodes, from);
  const why = `${label}: probes answered by two MACs: ${describeAnswers(s)}\n${l2History(c.nodes, from)}`;
  if (starved.length === 0) assert.fail(why);
  t.diagnostic(`NOT FAILED, host starvation (timer lag >= ${DEFAULT_LIVENESS.timeoutMs} ms: ${starved.join('; ')}): ${why}`);
}
