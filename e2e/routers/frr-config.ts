// Renders the frr.conf pushed with `vtysh -f` (pure; see frr.ts for how it is applied).
//
// Written against FRR 8.4 defaults ("traditional"), so nothing is left implicit:
// - ebgp-requires-policy is on by default: without `no bgp ebgp-requires-policy` an eBGP
//   peer reaches Established but no route is sent or accepted ("(Policy)" in summary).
// - `bgp default ipv4-unicast` activates every neighbor for IPv4 only; we turn it off and
//   activate each neighbor per family explicitly (an IPv6 session carries ipv6 unicast).
// - `network` needs a matching RIB route unless `no bgp network import-check`.
// - connect retry is 120 s and MRAI is nonzero by default: tests set both low per neighbor.
// - `frr defaults datacenter` only takes effect when read at daemon start, not via vtysh.

export type Afi = 'ipv4' | 'ipv6';
export type RemoteAs = number | 'external' | 'internal';

export interface FrrPeerOptions {
  remoteAs: RemoteAs;
  password?: string;
  /** Name of a profile in FrrOptions.bfdProfiles; enables BFD for the peer. */
  bfdProfile?: string;
  ebgpMultihop?: number;
  /** Address families to activate; default: the family of the neighbor address / range. */
  families?: readonly Afi[];
  /** Seconds; default 1 (FRR's default is 120). */
  connectRetryS?: number;
  /** keepalive and hold seconds; default FRR's (60/180) unless FrrOptions.timers sets them. */
  timers?: { keepaliveS: number; holdS: number };
  description?: string;
  /** Local address to source the session from (`update-source`). */
  updateSource?: string;
  passive?: boolean;
}

export interface FrrNeighbor extends FrrPeerOptions {
  /** An address, or an interface name with `interface`. */
  address: string;
  /** Unnumbered: `neighbor IFNAME interface`, the peer found by its IPv6 link-local address; both families by default. */
  interface?: boolean;
}

/** `bgp listen range <range> peer-group <peerGroup>`: dynamic neighbors. */
export interface FrrListenRange extends FrrPeerOptions {
  range: string;
  peerGroup: string;
}

export interface BfdProfile {
  name: string;
  receiveIntervalMs?: number;
  transmitIntervalMs?: number;
  detectMultiplier?: number;
  passive?: boolean;
}

export interface GracefulRestartOptions {
  /** 'restart': full GR (`bgp graceful-restart`); 'helper' is FRR's default; 'disable' turns it off. */
  mode: 'restart' | 'helper' | 'disable';
  restartTimeS?: number;
  stalePathTimeS?: number;
  selectDeferTimeS?: number;
  preserveFwState?: boolean;
}

export interface FrrOptions {
  asn: number;
  routerId: string;
  neighbors?: readonly FrrNeighbor[];
  listenRanges?: readonly FrrListenRange[];
  /** ECMP paths per prefix for eBGP (and iBGP), both families. */
  maximumPaths?: number;
  /** Allow ECMP across different neighbor ASNs (`bgp bestpath as-path multipath-relax`). */
  multipathRelax?: boolean;
  bfdProfiles?: readonly BfdProfile[];
  gracefulRestart?: GracefulRestartOptions;
  /** Global keepalive/hold (`timers bgp`). */
  timers?: { keepaliveS: number; holdS: number };
  /** Prefixes to originate (`network`), with import-check off so no RIB route is needed. */
  networks?: readonly string[];
  /** Raw lines appended inside `router bgp`, before the address families. */
  extraBgp?: readonly string[];
  /** Raw lines inside each `address-family <afi> unicast` block (e.g. `redistribute connected`). */
  extraAddressFamily?: Partial<Record<Afi, readonly string[]>>;
  /** Raw config appended at the end of the file. */
  extraConfig?: string;
  /** zebra's `ip forwarding` / `ipv6 forwarding`; default true (a router forwards). */
  forwarding?: boolean;
}

const afiOf = (prefix: string): Afi => (prefix.includes(':') ? 'ipv6' : 'ipv4');

function peerLines(peer: string, o: FrrPeerOptions, isGroup: boolean, unnumbered = false): string[] {
  const lines: string[] = [];
  if (isGroup) lines.push(`neighbor ${peer} peer-group`);
  lines.push(`neighbor ${peer}${unnumbered ? ' interface' : ''} remote-as ${o.remoteAs}`);
  if (o.description) lines.push(`neighbor ${peer} description ${o.description}`);
  if (o.password) lines.push(`neighbor ${peer} password ${o.password}`);
  if (o.ebgpMultihop) lines.push(`neighbor ${peer} ebgp-multihop ${o.ebgpMultihop}`);
  if (o.updateSource) lines.push(`neighbor ${peer} update-source ${o.updateSource}`);
  if (o.passive) lines.push(`neighbor ${peer} passive`);
  if (o.timers) lines.push(`neighbor ${peer} timers ${o.timers.keepaliveS} ${o.timers.holdS}`);
  lines.push(`neighbor ${peer} timers connect ${o.connectRetryS ?? 1}`);
  // MRAI 0: announce at once (the "traditional" eBGP default batches for up to 30 s).
  lines.push(`neighbor ${peer} advertisement-interval 0`);
  if (o.bfdProfile) {
    lines.push(`neighbor ${peer} bfd`);
    lines.push(`neighbor ${peer} bfd profile ${o.bfdProfile}`);
  }
  return lines;
}

export function renderFrrConfig(o: FrrOptions): string {
  const fwd = o.forwarding === false ? 'no ' : '';
  const out: string[] = [`${fwd}ip forwarding`, `${fwd}ipv6 forwarding`, '!'];

  if (o.bfdProfiles?.length) {
    out.push('bfd');
    for (const p of o.bfdProfiles) {
      out.push(` profile ${p.name}`);
      if (p.receiveIntervalMs) out.push(`  receive-interval ${p.receiveIntervalMs}`);
      if (p.transmitIntervalMs) out.push(`  transmit-interval ${p.transmitIntervalMs}`);
      if (p.detectMultiplier) out.push(`  detect-multiplier ${p.detectMultiplier}`);
      if (p.passive) out.push('  passive-mode');
      out.push(' exit');
    }
    out.push('exit', '!');
  }

  const bgp: string[] = [
    `bgp router-id ${o.routerId}`,
    'no bgp ebgp-requires-policy',
    'no bgp default ipv4-unicast',
    'no bgp network import-check',
    'bgp log-neighbor-changes',
  ];
  if (o.timers) bgp.push(`timers bgp ${o.timers.keepaliveS} ${o.timers.holdS}`);
  if (o.multipathRelax) bgp.push('bgp bestpath as-path multipath-relax');
  const gr = o.gracefulRestart;
  if (gr) {
    if (gr.mode === 'restart') bgp.push('bgp graceful-restart');
    if (gr.mode === 'disable') bgp.push('bgp graceful-restart-disable');
    if (gr.restartTimeS !== undefined) bgp.push(`bgp graceful-restart restart-time ${gr.restartTimeS}`);
    if (gr.stalePathTimeS !== undefined) bgp.push(`bgp graceful-restart stalepath-time ${gr.stalePathTimeS}`);
    if (gr.selectDeferTimeS !== undefined) bgp.push(`bgp graceful-restart select-defer-time ${gr.selectDeferTimeS}`);
    if (gr.preserveFwState) bgp.push('bgp graceful-restart preserve-fw-state');
  }

  const activate: Record<Afi, string[]> = { ipv4: [], ipv6: [] };
  for (const n of o.neighbors ?? []) {
    bgp.push(...peerLines(n.address, n, false, n.interface));
    for (const afi of n.families ?? (n.interface ? ['ipv4', 'ipv6'] as const : [afiOf(n.address)])) activate[afi].push(n.address);
  }
  for (const r of o.listenRanges ?? []) {
    bgp.push(...peerLines(r.peerGroup, r, true));
    bgp.push(`bgp listen range ${r.range} peer-group ${r.peerGroup}`);
    for (const afi of r.families ?? [afiOf(r.range)]) activate[afi].push(r.peerGroup);
  }
  bgp.push(...(o.extraBgp ?? []));

  out.push(`router bgp ${o.asn}`, ...bgp.map((l) => ` ${l}`));
  for (const afi of ['ipv4', 'ipv6'] as const) {
    const networks = (o.networks ?? []).filter((p) => afiOf(p) === afi);
    const extra = o.extraAddressFamily?.[afi] ?? [];
    if (activate[afi].length === 0 && networks.length === 0 && extra.length === 0) continue;
    out.push(' !', ` address-family ${afi} unicast`);
    for (const p of networks) out.push(`  network ${p}`);
    for (const l of extra) out.push(`  ${l}`);
    for (const peer of activate[afi]) {
      out.push(`  neighbor ${peer} activate`);
    }
    if (o.maximumPaths) out.push(`  maximum-paths ${o.maximumPaths}`, `  maximum-paths ibgp ${o.maximumPaths}`);
    out.push(' exit-address-family');
  }
  out.push('exit', '!');
  if (o.extraConfig) out.push(o.extraConfig);
  return `${out.join('\n')}\n`;
}
