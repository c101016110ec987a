// The kube-proxy stand-in of one lab node: answers every request with the node's name.
// Service traffic reaches it through the node's nftables redirect (see kube-proxy.ts).
// Usage: node node-http.ts <node-name> <port>
import { createServer } from 'node:http';
import { numberOrExit, parseWholeNumber } from '../../lib/cli/numbers.ts';

const [nodeName = 'unknown', portText = '8080'] = process.argv.slice(2);
const port = numberOrExit(parseWholeNumber('port', portText, { min: 1, max: 65535, what: 'a port number' }), 'node-http');
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end(`${nodeName}\n`);
});
server.listen({ host: '::', port, ipv6Only: false }, () => {
  console.log(`node-http ${nodeName} listening on :${portText}`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => server.close(() => process.exit(0)));
