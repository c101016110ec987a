// Pure: one Service from its allocation to the wire — which advertisements select it and
// why the others do not, what each node should announce (the speaker's own planner, run for
// every node over the API's view), what the speakers report, the BGP and BFD sessions
// behind it, its latest Events, and one verdict with the next thing to do.
import type { CoreV1Event, V1Node, V1Service } from '@kubernetes/client-node';
import { buildConfig } from '../lib/config/index.ts';
import type { BgpAdvert, Config, L2Advert } from '../lib/config/index.ts';
import { parseIp } from '../lib/ip/index.ts';
import { compareCodePoints } from '../lib/order/index.ts';
import { canonicalSelector } from '../lib/selector/index.ts';
import type { Labels, LabelSelector } from '../lib/selector/index.ts';
import { ALLOCATED_CONDITION, POOL_ANNOTATION } from '../operator/service-status.ts';
import {
  endpointCanServe, nodeUnusableReason, planNode, poolForIp, selects, SERVICE_NAME_LABEL,
} from '../speaker/planner/index.ts';
import type { SkipReason } from '../speaker/planner/index.ts';
import { pendingAdvice, skipText } from './advice.ts';
import { serviceKeyOf, statusesOf } from './snapshot.ts';
import type { SessionStateFields, Snapshot, StatusObject } from './snapshot.ts';
import { configProblems, sessionHealthy } from './sessions.ts';
import type { Verdict } from './verdict.ts';

export interface Allocation {
  state: 'allocated' | 'pending' | 'unhandled';
  ips: string[];
  pool?: string;
  reason?: string;
  message?: string;
  /** What to change, when it has no IP. */
  action?: string;
}

export interface AdvertNode {
  node: string;
  /** Why the advertisement does not announce the Service from this node; absent when it does. */
  excludedBecause?: string;
}

export interface AdvertCheck {
  kind: 'L2Advertisement' | 'BGPAdvertisement';
  name: string;
  selects: boolean;
  /** Why it selects the Service or not. */
  why: string;
  /** Only when it selects the Service: each node and whether it is announced from there. */
  nodes: AdvertNode[];
  /** BGPAdvertisement: the peers it sends to (empty = every peer). */
  peers?: string[];
}

export interface SessionView {
  peer: string;
  peerAddress: string;
  bgp: string;
  bfd: string;
  lastError?: string;
  up: boolean;
}

export interface NodeView {
  node: string;
  /** Ready (serving) endpoints of the Service on the node. */
  readyEndpoints: number;
  /** Why the node announces nothing at all (excluded, NetworkUnavailable, no Node). */
  unusable?: string;
  l2: { planned: boolean; reported: boolean; interfaces: { name: string; mac?: string }[] };
  bgp: { plannedPeers: string[]; reportedPeers: string[]; sessions: SessionView[] };
  /** Why the planner does not announce the Service from this node, one entry per reason. */
  notAnnouncing: string[];
}

export interface ServiceReport {
  service: string;
  exists: boolean;
  externalTrafficPolicy: string;
  allocation: Allocation;
  configErrors: string[];
  advertisements: AdvertCheck[];
  endpoints: { total: number; byNode: Record<string, number>; withoutNode: number };
  nodes: NodeView[];
  /** Planned L2 owner of each of its IPs (the speakers agree on it); undefined = none. */
  l2Owners: { ip: string; owner: string | undefined; candidates: string[] }[];
  events: { type: string; reason: string; message: string; at: string; count: number; from: string }[];
  verdict: Verdict;
}

const EVENTS_SHOWN = 8;

function allocationOf(svc: V1Service): Allocation {
  const ips = (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  const pool = svc.metadata?.annotations?.[POOL_ANNOTATION];
  const cond = svc.status?.conditions?.find((c) => c.type === ALLOCATED_CONDITION);
  if (cond?.status === 'False') {
    return { state: 'pending', ips, reason: cond.reason, message: cond.message, action: pendingAdvice(cond.reason) };
  }
  if (ips.length > 0) return { state: 'allocated', ips, ...(pool ? { pool } : {}), ...(cond?.message ? { message: cond.message } : {}) };
  const cls = svc.spec?.loadBalancerClass;
  if (cls) {
    return {
      state: 'unhandled', ips, reason: 'OtherClass',
      message: `spec.loadBalancerClass is ${cls}`,
      action: `Portside serves it only when its controller runs with --lb-class ${cls}`,
    };
  }
  return {
    state: 'pending', ips, reason: 'NotYetAllocated',
    message: 'the controller has not given it an IP or a reason',
    action: 'check that the controller runs and its configuration is valid (portside status)',
  };
}

function selectorText(selectors: readonly LabelSelector[]): string {
  return selectors.map((s) => `{${canonicalSelector(s)}}`).join(' or ');
}

function labelsText(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

interface Scope {
  config: Config;
  svc: V1Service;
  pools: string[];
  nodes: readonly V1Node[];
  local: boolean;
  endpointNodes: ReadonlySet<string>;
}

function advertNodes(advert: L2Advert | BgpAdvert, scope: Scope, peersOf?: (node: V1Node) => string[]): AdvertNode[] {
  return scope.nodes.map((node) => {
    const name = node.metadata?.name ?? '';
    const labels = node.metadata?.labels ?? {};
    const unusable = nodeUnusableReason(node);
    let excludedBecause: string | undefined;
    if (unusable) excludedBecause = skipText(unusable);
    else if (!selects(advert.nodeSelectors, labels)) excludedBecause = `nodeSelectors ${selectorText(advert.nodeSelectors)} do not match`;
    else if (scope.local && !scope.endpointNodes.has(name)) excludedBecause = 'externalTrafficPolicy Local and no ready endpoint here';
    else if (peersOf && peersOf(node).length === 0) excludedBecause = 'no BGPPeer it sends to selects this node';
    return excludedBecause ? { node: name, excludedBecause } : { node: name };
  });
}

function checkAdvert(kind: AdvertCheck['kind'], advert: L2Advert | BgpAdvert, scope: Scope, peersOf?: (node: V1Node) => string[]): AdvertCheck {
  const base = { kind, name: advert.name, ...('peers' in advert ? { peers: [...advert.peers] } : {}) };
  const pools = scope.pools.filter((p) => advert.pools.includes(p));
  if (pools.length === 0) {
    const list = advert.pools.length === 0 ? 'no pool' : `pools ${advert.pools.join(', ')}`;
    return { ...base, selects: false, why: `advertises ${list}, not ${scope.pools.join(', ') || 'the Service\'s pool'}`, nodes: [] };
  }
  const labels = scope.svc.metadata?.labels ?? {};
  if (!selects(advert.serviceSelectors, labels)) {
    return {
      ...base, selects: false, nodes: [],
      why: `serviceSelectors ${selectorText(advert.serviceSelectors)} do not match the Service's labels (${labelsText(labels)})`,
    };
  }
  const nodes = advertNodes(advert, scope, peersOf);
  const on = nodes.filter((n) => !n.excludedBecause).length;
  return { ...base, selects: true, why: `selects pool ${pools.join(', ')} and the Service; ${on} of ${nodes.length} node(s)`, nodes };
}

function peersForNode(config: Config, advert: BgpAdvert, node: V1Node): string[] {
  const names = advert.peers.length > 0 ? advert.peers : [...config.bgpPeers.keys()];
  return names.filter((n) => {
    const peer = config.bgpPeers.get(n);
    return peer !== undefined && selects(peer.nodeSelectors, node.metadata?.labels ?? {});
  });
}

function countEndpoints(snapshot: Snapshot, key: string): ServiceReport['endpoints'] {
  const byNode: Record<string, number> = {};
  let total = 0;
  let withoutNode = 0;
  for (const slice of snapshot.endpointSlices) {
    const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (`${slice.metadata?.namespace || 'default'}/${name}` !== key) continue;
    for (const ep of slice.endpoints ?? []) {
      if (!endpointCanServe(ep.conditions)) continue;
      total++;
      if (ep.nodeName) byNode[ep.nodeName] = (byNode[ep.nodeName] ?? 0) + 1;
      else withoutNode++;
    }
  }
  return { total, byNode, withoutNode };
}

function sessionView(s: StatusObject<SessionStateFields>): SessionView {
  const st = s.status ?? {};
  return {
    peer: st.peer ?? '?', peerAddress: st.peerAddress ?? '', bgp: st.bgpStatus || 'Unknown', bfd: st.bfdStatus ?? '',
    ...(st.lastError ? { lastError: st.lastError } : {}), up: sessionHealthy(st),
  };
}

function eventsOf(events: readonly CoreV1Event[]): ServiceReport['events'] {
  const at = (e: CoreV1Event) => String(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '');
  const iso = (v: string) => (v ? new Date(v).toISOString() : '');
  return [...events]
    .sort((a, b) => compareCodePoints(iso(at(b)), iso(at(a))))
    .slice(0, EVENTS_SHOWN)
    .map((e) => ({
      type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '', at: iso(at(e)), count: e.count ?? 1,
      from: [e.reportingComponent || e.source?.component, e.reportingInstance || e.source?.host].filter(Boolean).join('/'),
    }));
}

function emptyReport(key: string, exists: boolean, allocation: Allocation, verdict: Verdict): ServiceReport {
  return {
    service: key, exists, externalTrafficPolicy: '', allocation, configErrors: [], advertisements: [],
    endpoints: { total: 0, byNode: {}, withoutNode: 0 }, nodes: [], l2Owners: [], events: [], verdict,
  };
}

export function explainService(snapshot: Snapshot, key: string): ServiceReport {
  const svc = snapshot.services.find((s) => serviceKeyOf(s) === key);
  if (!svc) {
    return emptyReport(key, false, { state: 'unhandled', ips: [] },
      { healthy: false, summary: `Service ${key} not found`, next: 'check the namespace and name (kubectl get svc -A)' });
  }
  if (svc.spec?.type !== 'LoadBalancer') {
    return emptyReport(key, true, { state: 'unhandled', ips: [], reason: 'NotLoadBalancer', message: `type ${svc.spec?.type ?? 'ClusterIP'}` },
      { healthy: false, summary: `${key} is type ${svc.spec?.type ?? 'ClusterIP'}, not LoadBalancer`, next: 'set spec.type: LoadBalancer for Portside to serve it' });
  }
  const allocation = allocationOf(svc);
  const local = svc.spec?.externalTrafficPolicy === 'Local';
  const endpoints = countEndpoints(snapshot, key);
  const events = eventsOf(snapshot.events);
  const built = buildConfig(snapshot.config);
  const report: ServiceReport = {
    ...emptyReport(key, true, allocation, { healthy: false, summary: '', next: '' }),
    externalTrafficPolicy: local ? 'Local' : 'Cluster', endpoints, events,
    configErrors: built.ok ? [] : built.errors.map((e) => `${e.kind}/${e.name} ${e.field}: ${e.message}`),
  };
  if (built.ok) Object.assign(report, wireView(snapshot, svc, key, built.config, local));
  report.verdict = verdictOf(snapshot, report);
  return report;
}

function wireView(snapshot: Snapshot, svc: V1Service, key: string, config: Config, local: boolean) {
  const pools = [...new Set((svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => {
    const ip = i.ip ? parseIp(i.ip) : undefined;
    const pool = ip && poolForIp(config, ip, svc.metadata?.annotations?.[POOL_ANNOTATION]);
    return pool ? [pool.name] : [];
  }))];
  const nodes = [...snapshot.nodes].sort((a, b) => compareCodePoints(a.metadata?.name ?? '', b.metadata?.name ?? ''));
  const endpointNodes = new Set(Object.keys(countEndpoints(snapshot, key).byNode));
  const scope: Scope = { config, svc, pools, nodes, local, endpointNodes };
  const advertisements = [
    ...config.l2Advertisements.map((a) => checkAdvert('L2Advertisement', a, scope)),
    ...config.bgpAdvertisements.map((a) => checkAdvert('BGPAdvertisement', a, scope, (n) => peersForNode(config, a, n))),
  ];
  const lbClass = svc.spec?.loadBalancerClass || undefined;
  const l2Reports = statusesOf(snapshot.l2Statuses, key);
  const bgpReports = statusesOf(snapshot.bgpStatuses, key);
  let l2Owners: ServiceReport['l2Owners'] = [];
  const views: NodeView[] = nodes.map((node) => {
    const name = node.metadata?.name ?? '';
    const plan = planNode({ config, nodeName: name, nodes, services: snapshot.services, endpointSlices: snapshot.endpointSlices, lbClass });
    const mine = plan.l2.filter((p) => p.services.includes(key));
    if (l2Owners.length === 0) l2Owners = mine.map((p) => ({ ip: p.ip, owner: p.owner, candidates: p.candidates.map((c) => c.node) }));
    const l2Report = l2Reports.find((r) => r.status?.node === name);
    const bgpReport = bgpReports.find((r) => r.status?.node === name);
    const reasons = [...new Set(plan.skipped.filter((s) => s.service === key).map((s) => describeSkip(s.reason, s.protocol)))];
    const unusable = nodeUnusableReason(node);
    return {
      node: name,
      readyEndpoints: countEndpoints(snapshot, key).byNode[name] ?? 0,
      ...(unusable ? { unusable: skipText(unusable) } : {}),
      l2: { planned: mine.some((p) => p.owner === name), reported: !!l2Report, interfaces: l2Report?.status?.interfaces ?? [] },
      bgp: {
        plannedPeers: plan.bgpServices.get(key)?.peers ?? [],
        reportedPeers: bgpReport?.status?.peers ?? [],
        sessions: snapshot.sessions.filter((s) => s.status?.node === name).map(sessionView)
          .sort((a, b) => compareCodePoints(a.peer, b.peer)),
      },
      notAnnouncing: reasons,
    };
  });
  // Reports from nodes the API no longer lists still count: they are what answers.
  for (const r of [...l2Reports, ...bgpReports]) {
    const name = r.status?.node ?? '';
    if (name && !views.some((v) => v.node === name)) {
      views.push({
        node: name, readyEndpoints: 0, unusable: 'no Node object',
        l2: { planned: false, reported: l2Reports.includes(r), interfaces: r.status?.interfaces ?? [] },
        bgp: { plannedPeers: [], reportedPeers: r.status?.peers ?? [], sessions: [] }, notAnnouncing: [],
      });
    }
  }
  return { advertisements, nodes: views, l2Owners };
}

function describeSkip(reason: SkipReason, protocol: 'bgp' | 'l2' | undefined): string {
  const text = skipText(reason);
  return protocol ? `${protocol === 'bgp' ? 'BGP' : 'L2'}: ${text}` : text;
}

function verdictOf(snapshot: Snapshot, r: ServiceReport): Verdict {
  const a = r.allocation;
  if (a.state !== 'allocated') {
    const why = a.reason ? `${a.reason}: ${a.message ?? ''}` : (a.message ?? '');
    const controllerProblem = configProblems(snapshot).find((p) => p.component === 'controller');
    return {
      healthy: false,
      summary: a.state === 'unhandled' ? `not served by Portside (${why})` : `no IP (${why})`,
      next: controllerProblem && a.reason === 'NotYetAllocated'
        ? `fix the configuration: ${controllerProblem.problem}`
        : (a.action ?? 'check the controller'),
    };
  }
  const ips = a.ips.join(', ');
  if (r.configErrors.length > 0) {
    return { healthy: false, summary: `${ips} allocated, but the configuration is invalid (${r.configErrors.length} error(s))`, next: `fix ${r.configErrors[0]}` };
  }
  const selecting = r.advertisements.filter((ad) => ad.selects);
  if (selecting.length === 0) {
    const pools = a.pool ?? 'its pool';
    return {
      healthy: false, summary: `${ips} allocated from ${pools}, but no advertisement selects it: nothing announces it`,
      next: `create an L2Advertisement or BGPAdvertisement for pool ${pools}, or make an existing one's serviceSelectors match`,
    };
  }
  if (r.endpoints.total === 0) {
    return {
      healthy: false, summary: `${ips} is not announced: the Service has no ready endpoint`,
      next: `make its Pods ready (kubectl get endpointslices -n ${r.service.split('/')[0]} -l ${SERVICE_NAME_LABEL}=${r.service.split('/')[1]})`,
    };
  }
  const problems: string[] = [];
  const fixes: string[] = [];
  // Layer 2: the planned owner must be the one node that reports it.
  const l2Selected = selecting.some((ad) => ad.kind === 'L2Advertisement');
  const l2Reporters = r.nodes.filter((n) => n.l2.reported).map((n) => n.node);
  if (l2Selected) {
    const owners = [...new Set(r.l2Owners.map((o) => o.owner).filter((o): o is string => !!o))];
    if (owners.length === 0) {
      problems.push('no node may announce it on L2');
      fixes.push(nodeFix(r));
    }
    for (const owner of owners) {
      if (!l2Reporters.includes(owner)) {
        problems.push(`L2 owner ${owner} does not report announcing it`);
        fixes.push(`check the speaker on ${owner} (portside status; kubectl logs on that node)`);
      }
    }
    if (l2Reporters.length > 1) {
      problems.push(`${l2Reporters.length} nodes report answering ARP/NDP for it (${l2Reporters.join(', ')})`);
      fixes.push('check the liveness mesh between the speakers (their logs: l2_isolation, l2_claims_settled)');
    }
  }
  // BGP: every planned (node, peer) has a report and an Established session.
  const bgpNodes = r.nodes.filter((n) => n.bgp.plannedPeers.length > 0);
  const bgpSelected = selecting.some((ad) => ad.kind === 'BGPAdvertisement');
  if (bgpSelected && bgpNodes.length === 0) {
    problems.push('no node may announce it over BGP');
    fixes.push(nodeFix(r));
  }
  const upFrom: string[] = [];
  for (const n of bgpNodes) {
    let up = 0;
    for (const peer of n.bgp.plannedPeers) {
      const s = n.bgp.sessions.find((x) => x.peer === peer);
      if (!s) {
        problems.push(`no session report from ${n.node} for peer ${peer}`);
        fixes.push(`check the speaker on ${n.node}`);
      } else if (!s.up) {
        problems.push(`peer ${peer} is down from ${n.node} (BGP ${s.bgp}${s.bfd ? `, BFD ${s.bfd}` : ''})`);
        fixes.push(`check the router at ${s.peerAddress || peer} and BGPPeer ${peer} (ASNs, address, password)${s.lastError ? `; last error: ${s.lastError}` : ''}`);
      } else up++;
    }
    if (!n.bgp.reportedPeers.length) {
      problems.push(`${n.node} does not report announcing it over BGP`);
      fixes.push(`check the speaker on ${n.node}`);
    } else if (up > 0) upFrom.push(n.node);
  }
  const how = [
    ...(l2Reporters.length > 0 ? [`L2 from ${l2Reporters.join(', ')}`] : []),
    ...(upFrom.length > 0 ? [`BGP from ${upFrom.join(', ')}`] : []),
  ].join('; ');
  if (problems.length > 0) {
    return {
      healthy: false,
      summary: `${ips}: ${problems.join('; ')}${how ? ` (announced: ${how})` : ''}`,
      next: [...new Set(fixes)].join('; '),
    };
  }
  return { healthy: true, summary: `OK: ${ips} announced (${how})`, next: 'nothing to do' };
}

function nodeFix(r: ServiceReport): string {
  const reasons = [...new Set(r.nodes.flatMap((n) => n.notAnnouncing))];
  const local = r.externalTrafficPolicy === 'Local' ? ' or run a ready endpoint on a selected node' : '';
  return `every node is ruled out (${reasons.join('; ') || 'see the advertisements'}): widen the nodeSelectors${local}`;
}
