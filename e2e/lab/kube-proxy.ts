// Each lab node's kube-proxy stand-in: nftables redirects Service IPs on :80 to a local HTTP
// server (node-http.ts) that answers with the node's name. The VIP is never a local address,
// so the kernel never answers ARP/NDP for it — only the speaker does (L2), or FRR routes it
// to the node (BGP).
import { join } from 'node:path';
import type { LabHost } from './builder.ts';
import { NODE_HTTP_PORT, SERVICE_PORT, SERVICE_RANGES } from './plan.ts';

const NODE_HTTP = join(import.meta.dirname, 'node-http.ts');

function serviceRedirect(): string {
  const v4 = SERVICE_RANGES.v4.join(', ');
  const v6 = SERVICE_RANGES.v6.join(', ');
  return [
    'table inet portside_lab {',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    `    ip daddr { ${v4} } tcp dport ${SERVICE_PORT} redirect to :${NODE_HTTP_PORT}`,
    `    ip6 daddr { ${v6} } tcp dport ${SERVICE_PORT} redirect to :${NODE_HTTP_PORT}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export async function startKubeProxyStandIn(node: LabHost): Promise<void> {
  await node.ns.exec('nft', ['-f', '-'], { input: serviceRedirect() });
  node.ns.spawn(process.execPath, [NODE_HTTP, node.name, String(NODE_HTTP_PORT)], { name: 'http' });
}
