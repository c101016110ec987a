// The board `make lab` prints: per Service its IPs, the nodes announcing it (from the
// speakers' status objects), what the router and the L2 client see, and who answers.
import type { PortsideLab } from './lab.ts';
import { NODES, SERVICES } from './plan.ts';

interface FrrPathDetail {
  community?: { string: string };
  largeCommunity?: { string: string };
}

function nodeByMac(lab: PortsideLab, mac: string | undefined): string {
  return lab.net.nodes.find((n) => n.mac === mac?.toLowerCase())?.name ?? 'not a lab node';
}

function nodeByIp(ip: string): string {
  return NODES.find((n) => n.v4 === ip || n.v6 === ip)?.name ?? ip;
}

function counts(byNode: Record<string, number>): string {
  return Object.entries(byNode).sort().map(([node, c]) => `${node}×${c}`).join(' ') || 'none';
}

async function safely(what: () => Promise<string>): Promise<string> {
  try {
    return await what();
  } catch (err) {
    return `(${(err as Error).message.split('\n')[0]})`;
  }
}

async function bgpSection(lab: PortsideLab): Promise<string[]> {
  const { namespace, name, pool } = SERVICES.bgp;
  const ips = await lab.objects.serviceIps(namespace, name);
  const who = await lab.objects.announcers(namespace, name);
  const lines = [`Service ${namespace}/${name}  (BGP, pool ${pool}, endpoints on ${SERVICES.bgp.nodes.join(', ')})`,
    `  IP             ${ips.join(', ') || 'pending'}`,
    `  announced by   ${who.bgp.join(', ') || 'nobody yet'}  (ServiceBGPStatus)`];
  for (const ip of ips.filter((x) => !x.includes(':'))) {
    const prefix = `${ip}/32`;
    lines.push(`  FRR kernel     ${prefix} via ${await safely(async () => (await lab.net.frr.kernelNextHops(prefix)).map(nodeByIp).join(', ') || 'no route')}`);
    lines.push(`  FRR BGP        ${await safely(async () => {
      const r = await lab.net.frr.vtyshJson<{ paths?: FrrPathDetail[] }>(`show bgp ipv4 unicast ${prefix} json`);
      const p = r.paths?.[0];
      return `${r.paths?.length ?? 0} paths, community ${p?.community?.string ?? '-'}, large community ${p?.largeCommunity?.string ?? '-'}`;
    })}`);
    lines.push(`  client-out     ${await safely(async () => {
      const one = await lab.probe(lab.net.clientOut, ip);
      const many = await lab.probe(lab.net.clientOut, ip, 12);
      return `GET http://${ip}/ → ${one.answers[0] || one.errors[0]}   (12 more: ${counts(many.byNode)})`;
    })}`);
  }
  return lines;
}

async function l2Section(lab: PortsideLab): Promise<string[]> {
  const { namespace, name, pool } = SERVICES.l2;
  const ips = await lab.objects.serviceIps(namespace, name);
  const who = await lab.objects.announcers(namespace, name);
  const lines = [`Service ${namespace}/${name}  (L2, pool ${pool}, endpoints on ${SERVICES.l2.nodes.join(', ')})`,
    `  IPs            ${ips.join(', ') || 'pending'}`,
    `  announced by   ${who.l2.join(', ') || 'nobody yet'}  (ServiceL2Status)`];
  for (const ip of ips) {
    const answer = await safely(async () => {
      const r = await lab.probe(lab.net.clientL2, ip, 1, 0, 1_000);
      return r.answers[0] || r.errors[0] || '?';
    });
    const neigh = await safely(async () => {
      const entry = (await lab.net.clientL2.neighbors(ip.includes(':') ? 6 : 4)).find((e) => e.dst === ip);
      return entry?.lladdr ? `${entry.lladdr} → ${nodeByMac(lab, entry.lladdr)} (${(entry.state ?? []).join(',')})` : 'no entry';
    });
    lines.push(`  client-l2      GET http://${ip.includes(':') ? `[${ip}]` : ip}/ → ${answer}`);
    lines.push(`  client-l2 neighbor ${ip} lladdr ${neigh}`);
  }
  return lines;
}

async function sessions(lab: PortsideLab): Promise<string[]> {
  const peers = await lab.net.frr.bgpNeighbors();
  const bfd = await lab.net.frr.bfdPeers().catch(() => []);
  return NODES.map((n) => {
    const b = bfd.find((x) => x.peer === n.v4);
    return `  ${n.name} ${n.v4}: BGP ${peers[n.v4]?.bgpState ?? 'no session'}, BFD ${b?.status ?? 'no session'}`;
  });
}

export async function renderBoard(lab: PortsideLab, upMs: number): Promise<string> {
  const out = [
    '',
    `==== Portside lab ${lab.state.prefix} — up in ${(upMs / 1000).toFixed(1)} s ====`,
    `kubectl: export KUBECONFIG=${lab.plane.kubeconfigPath}   (apiserver ${lab.plane.url})`,
    ...(lab.kubelets ? [
      `nodes:   real kubelets, containerd and kube-proxy (nftables), Ready ${(lab.kubelets.readyMs / 1000).toFixed(1)} s after start;`,
      `         ${lab.kubelets.bins.kubectl} get nodes,pods -A   ·   Pods use image ${lab.kubelets.bins.pause.ref} (imagePullPolicy: Never)`,
    ] : []),
    `logs:    ${lab.lab.dir}`,
    '',
    ...(await bgpSection(lab)),
    '',
    ...(await l2Section(lab)),
    '',
    'ToR sessions (FRR, AS 64512, dynamic neighbors from 198.51.100.0/24):',
    ...(await safely(async () => (await sessions(lab)).join('\n'))).split('\n'),
    '',
    `Try: ip netns exec ${lab.net.clientOut.name} curl -s http://<IP>/   ·   vtysh --vty_socket ${lab.net.frr.runDir} -c 'show bgp ipv4'`,
    '',
  ];
  return out.join('\n');
}
