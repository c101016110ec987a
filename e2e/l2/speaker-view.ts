// What a running `portside speaker` says about layer 2 on its /metrics: the IPs it announces,
// how many watched peers it holds alive, frames its responders ignored and heartbeats its
// mesh dropped, by reason. The L2 netns tests read owners and bad-input counters from here.
import type { ClusterNode, LabCluster } from '../speaker/lab-cluster.ts';

export interface SpeakerL2View {
  /** IPs announced on layer 2 (portside_speaker_announced{protocol="layer2"}), sorted. */
  announced: string[];
  /** Watched liveness peers alive (portside_speaker_liveness_peers{state="alive"}). */
  alive: number;
  /** portside_speaker_l2_frames_ignored_total by reason. */
  ignored: Record<string, number>;
  /** portside_speaker_liveness_heartbeats_dropped_total by reason. */
  dropped: Record<string, number>;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format, samples only (comments skipped). */
export function parseSamples(body: string): Sample[] {
  const out: Sample[] = [];
  for (const line of body.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    out.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return out;
}

export async function speakerL2View(c: LabCluster, node: ClusterNode): Promise<SpeakerL2View> {
  const samples = parseSamples((await c.scrape(node, '/metrics')).body);
  const byReason = (name: string) => Object.fromEntries(samples.filter((s) => s.name === name).map((s) => [s.labels.reason ?? '', s.value]));
  return {
    announced: [...new Set(samples.filter((s) => s.name === 'portside_speaker_announced' && s.labels.protocol === 'layer2' && s.value === 1).map((s) => s.labels.ip ?? ''))].sort(),
    alive: samples.find((s) => s.name === 'portside_speaker_liveness_peers' && s.labels.state === 'alive')?.value ?? 0,
    ignored: byReason('portside_speaker_l2_frames_ignored_total'),
    dropped: byReason('portside_speaker_liveness_heartbeats_dropped_total'),
  };
}

/** The speakers' liveness and L2 ownership log lines after `from`, one per line: the story behind a failed assertion. */
export function l2History(nodes: readonly ClusterNode[], from = 0): string {
  return nodes.flatMap((n) =>
    (n.speaker?.jsonLines<{ event?: string; time?: string }>() ?? [])
      .filter((l) => /^(liveness_(dead|alive|ready|left|timer_lag)|l2_(isolation|claims_settled|conflict|ready|links_changed)|node_assigned)$/.test(l.event ?? '') && new Date(l.time ?? 0).getTime() >= from)
      .map((l) => `${n.name} ${JSON.stringify(l)}`),
  ).join('\n');
}
