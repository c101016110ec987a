// An HTTP server on the VIP (on the node's lo) answering with the node name: the service
// behind the load balancer. Its own process, so killing the speaker leaves it serving.
//   node vip-server.ts <vip> <port> <node name>
import { createServer } from 'node:http';

const [vip = '203.0.113.100', port = '8080', name = 'node'] = process.argv.slice(2);
createServer((_req, res) => res.end(name)).listen(Number(port), vip, () => {
  process.stdout.write(`${JSON.stringify({ ev: 'serving', vip, port: Number(port), pid: process.pid })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
