// Pure: the whole installation at a glance — configuration validity per component (the
// controller and each node's speaker), BGP sessions per node, Services without an IP, and
// what is stale: reports about Services, nodes or peers that are gone, nodes without a
// speaker report, pools the controller has not counted.
import { buildConfig } from '../lib/config/index.ts';
import { compareCodePoints } from '../lib/order/index.ts';
import { ALLOCATED_CONDITION } from '../operator/service-status.ts';
import { nodeUnusableReason } from '../speaker/planner/index.ts';
import { componentConfig, sessionHealthy } from './sessions.ts';
import type { ComponentConfig } from './sessions.ts';
import { poolStatuses, serviceKeyOf } from './snapshot.ts';
import type { Snapshot, StatusObject } from './snapshot.ts';
import type { Verdict } from './verdict.ts';

export interface NodeSessions {
  node: string;
  /** `not scheduled`: the speaker DaemonSet does not run there (not a problem); `missing`: it should, and has not reported. */
  speaker: 'Valid' | 'Invalid' | 'Unknown' | 'missing' | 'not scheduled';
  sessions: { peer: string; peerAddress: string; bgp: string; bfd: string; up: boolean; lastError?: string }[];
}

export interface StatusReport {
  components: ComponentConfig[];
  /** Errors the configuration model finds in the objects as they are now. */
  configErrors: string[];
  nodes: NodeSessions[];
  pending: { service: string; reason: string; message: string }[];
  stale: string[];
  verdict: Verdict;
}

export function clusterStatus(snapshot: Snapshot): StatusReport {
  const components = snapshot.configurationStates.map(componentConfig)
    .sort((a, b) => (a.component === 'controller' ? -1 : b.component === 'controller' ? 1 : compareCodePoints(a.component, b.component)));
  const built = buildConfig(snapshot.config);
  const configErrors = built.ok ? [] : built.errors.map((e) => `${e.kind}/${e.name} ${e.field}: ${e.message}`);
  const nodeNames = new Set(snapshot.nodes.flatMap((n) => (n.metadata?.name ? [n.metadata.name] : [])));
  const nodes: NodeSessions[] = [...nodeNames].sort(compareCodePoints).map((node) => {
    const speaker = components.find((c) => c.node === node);
    return {
      node,
      speaker: speaker ? (speaker.result as NodeSessions['speaker']) : snapshot.speakerNodes && !snapshot.speakerNodes.has(node) ? 'not scheduled' : 'missing',
      sessions: snapshot.sessions.filter((s) => s.status?.node === node).map((s) => {
        const st = s.status ?? {};
        return {
          peer: st.peer ?? '?', peerAddress: st.peerAddress ?? '', bgp: st.bgpStatus || 'Unknown', bfd: st.bfdStatus ?? '',
          up: sessionHealthy(st), ...(st.lastError ? { lastError: st.lastError } : {}),
        };
      }).sort((a, b) => compareCodePoints(a.peer, b.peer)),
    };
  });
  const pending = snapshot.services.flatMap((svc) => {
    const c = svc.status?.conditions?.find((x) => x.type === ALLOCATED_CONDITION);
    return svc.spec?.type === 'LoadBalancer' && c?.status === 'False'
      ? [{ service: serviceKeyOf(svc), reason: c.reason ?? '', message: c.message ?? '' }] : [];
  }).sort((a, b) => compareCodePoints(a.service, b.service));
  const stale = staleThings(snapshot, nodeNames, built.ok ? new Set(built.config.bgpPeers.keys()) : undefined);
  const report = { components, configErrors, nodes, pending, stale };
  return { ...report, verdict: statusVerdict(report, snapshot) };
}

function staleThings(snapshot: Snapshot, nodeNames: ReadonlySet<string>, peers: ReadonlySet<string> | undefined): string[] {
  const out: string[] = [];
  const withIps = new Set(snapshot.services
    .filter((s) => s.spec?.type === 'LoadBalancer' && (s.status?.loadBalancer?.ingress ?? []).some((i) => i.ip))
    .map(serviceKeyOf));
  const name = (o: StatusObject<object>) => o.metadata.name ?? '?';
  for (const [kind, objects] of [['ServiceL2Status', snapshot.l2Statuses], ['ServiceBGPStatus', snapshot.bgpStatuses]] as const) {
    for (const o of objects) {
      const svc = `${o.status?.serviceNamespace}/${o.status?.serviceName}`;
      const node = o.status?.node ?? '';
      if (!withIps.has(svc)) out.push(`${kind} ${name(o)}: Service ${svc} is gone or has no IP`);
      else if (!nodeNames.has(node)) out.push(`${kind} ${name(o)}: node ${node} is gone`);
    }
  }
  const l2ByService = new Map<string, string[]>();
  for (const o of snapshot.l2Statuses) {
    const svc = `${o.status?.serviceNamespace}/${o.status?.serviceName}`;
    l2ByService.set(svc, [...(l2ByService.get(svc) ?? []), o.status?.node ?? '?']);
  }
  for (const [svc, owners] of l2ByService) {
    if (owners.length > 1) out.push(`Service ${svc}: ${owners.length} nodes report answering ARP/NDP for it (${owners.sort().join(', ')})`);
  }
  for (const s of snapshot.sessions) {
    const node = s.status?.node ?? '';
    const peer = s.status?.peer ?? '';
    if (!nodeNames.has(node)) out.push(`BGPSessionState ${name(s)}: node ${node} is gone`);
    else if (peers && !peers.has(peer)) out.push(`BGPSessionState ${name(s)}: BGPPeer ${peer} is gone`);
  }
  for (const c of snapshot.configurationStates.map(componentConfig)) {
    if (c.node && !nodeNames.has(c.node)) out.push(`ConfigurationState ${c.component}: node ${c.node} is gone`);
  }
  const reported = new Set(snapshot.configurationStates.map(componentConfig).flatMap((c) => (c.node ? [c.node] : [])));
  for (const n of snapshot.nodes) {
    const node = n.metadata?.name ?? '';
    const expected = snapshot.speakerNodes ? snapshot.speakerNodes.has(node) : nodeUnusableReason(n) === undefined;
    if (!reported.has(node) && expected) out.push(`node ${node}: no speaker has reported from it (ConfigurationState speaker-${node})`);
  }
  if (snapshot.configurationStates.some((c) => c.metadata.name === 'controller')) {
    for (const [pool, status] of poolStatuses(snapshot)) if (!status) out.push(`IPAddressPool ${pool}: the controller has not written its status`);
  }
  return out.sort(compareCodePoints);
}

function statusVerdict(r: Omit<StatusReport, 'verdict'>, snapshot: Snapshot): Verdict {
  const problems: string[] = [];
  const next: string[] = [];
  const controller = r.components.find((c) => c.component === 'controller');
  if (!controller) {
    problems.push('no controller report');
    next.push(`check that the controller runs (kubectl -n ${snapshot.installNamespace} get pods)`);
  }
  const invalid = r.components.filter((c) => c.result !== 'Valid');
  if (invalid.length > 0) {
    problems.push(`configuration not valid for ${invalid.map((c) => c.component).join(', ')}`);
    next.push(`fix ${invalid[0]!.problem ?? 'the configuration'}`);
  } else if (r.configErrors.length > 0) {
    problems.push(`${r.configErrors.length} configuration error(s) not yet reported by the components`);
    next.push(`fix ${r.configErrors[0]}`);
  }
  const down = r.nodes.flatMap((n) => n.sessions.filter((s) => !s.up).map((s) => `${s.peer} from ${n.node}`));
  if (down.length > 0) {
    problems.push(`${down.length} BGP session(s) down (${down.join(', ')})`);
    next.push('check those routers and BGPPeers (portside explain service shows which Services they carry)');
  }
  if (r.pending.length > 0) {
    problems.push(`${r.pending.length} Service(s) without an IP`);
    next.push(`portside explain service ${r.pending[0]!.service}`);
  }
  if (r.stale.length > 0) {
    problems.push(`${r.stale.length} stale or conflicting report(s)`);
    next.push('see the stale list: a speaker that is gone or stuck leaves them');
  }
  if (problems.length === 0) {
    const sessions = r.nodes.reduce((n, x) => n + x.sessions.length, 0);
    return { healthy: true, summary: `OK: ${r.components.length} component(s) valid, ${sessions} BGP session(s) up`, next: 'nothing to do' };
  }
  return { healthy: false, summary: problems.join('; '), next: next.join('; ') };
}
