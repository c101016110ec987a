// For drain.netns.test.ts, inside a namespace. `hold <ifname> <flag>`: opens an ARP packet
// socket, says ready, and on SIGUSR2 stalls its own loop (a busy wait) until the file <flag>
// exists, so the frames sent meanwhile stay queued; then one drain() and a JSON line with how
// many of the burst's requests it handed over. `burst <ifname> <n>`: sends n ARP requests.
import { existsSync } from 'node:fs';
import { openPacketSocket } from '../../native/index.ts';
import { ArpOperation, decodeArpFrame, encodeArpFrame } from '../../speaker/l2/arp.ts';
import { readInterfaceInfo } from '../../speaker/l2/interface-info.ts';

const TARGET = '198.51.100.1';
const [mode = '', ifname = '', arg = ''] = process.argv.slice(2);
const link = await readInterfaceInfo(ifname);
if (!link) throw new Error(`no interface ${ifname}`);

if (mode === 'burst') {
  const socket = openPacketSocket({ ifindex: link.ifindex, onFrame: () => undefined });
  for (let i = 0; i < Number(arg); i++) {
    socket.send(encodeArpFrame('ff:ff:ff:ff:ff:ff', link.mac, { operation: ArpOperation.Request, senderMac: link.mac, senderIp: `198.51.100.${100 + (i % 100)}`, targetMac: '00:00:00:00:00:00', targetIp: TARGET }));
  }
  socket.close();
} else {
  let seen = 0;
  const socket = openPacketSocket({
    ifindex: link.ifindex,
    onFrame: ({ data }) => {
      const got = decodeArpFrame(data);
      if (got.ok && got.value.arp.operation === ArpOperation.Request && got.value.arp.targetIp === TARGET) seen++;
    },
  });
  process.once('SIGUSR2', () => {
    const before = seen;
    while (!existsSync(arg)) { /* stalled: nothing is read */ }
    socket.drain();
    process.stdout.write(JSON.stringify({ event: 'drained', drained: seen - before, before }) + '\n');
    socket.close();
    process.exit(0);
  });
  process.stdout.write(JSON.stringify({ event: 'ready' }) + '\n');
}
