// A hand-made, misbehaving BGP "router" for interop tests (bytes built here, not by our codec).
//   node evil-peer.ts <listen address> <asn> <mode,mode,…>
// Connection N (1-based) misbehaves as mode N (the last mode repeats). Prints JSON lines:
// {"ev":"listening"}, {"ev":"connection","n"}, {"ev":"notification","n","code","subcode","hex"}.
import { createServer } from 'node:net';

const MODES = ['badVersion', 'holdTime1', 'badUpdate'] as const;
type Mode = (typeof MODES)[number];

const [host = '::', asnText = '64513', modeList = MODES.join(',')] = process.argv.slice(2);
const asn = Number(asnText);
const modes = modeList.split(',') as Mode[];
const print = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

function message(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(19, 0xff);
  header.writeUInt16BE(19 + body.length, 16);
  header[18] = type;
  return Buffer.concat([header, body]);
}

function open(version: number, holdTime: number): Buffer {
  // Capabilities: multiprotocol IPv4 unicast, 4-octet AS.
  const caps = Buffer.from([1, 4, 0, 1, 0, 1, 65, 4, 0, 0, 0, 0]);
  caps.writeUInt32BE(asn, 8);
  const params = Buffer.concat([Buffer.from([2, caps.length]), caps]);
  const body = Buffer.alloc(10);
  body[0] = version;
  body.writeUInt16BE(asn > 0xffff ? 23456 : asn, 1);
  body.writeUInt16BE(holdTime, 3);
  body.writeUInt32BE(0xc6336402, 5); // 198.51.100.2
  body[9] = params.length;
  return message(1, Buffer.concat([body, params]));
}

const KEEPALIVE = message(4, Buffer.alloc(0));
// Total Path Attribute Length says 256 bytes, three follow: a Malformed Attribute List (3/1).
const BAD_UPDATE = message(2, Buffer.from('00000100400101', 'hex'));

let connections = 0;
const server = createServer((socket) => {
  const n = ++connections;
  const mode: Mode = modes[Math.min(n, modes.length) - 1] ?? 'badUpdate';
  print({ ev: 'connection', n, mode });
  let buf = Buffer.alloc(0);
  let sentKeepaliveTrap = false;
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 19) {
      const len = buf.readUInt16BE(16);
      if (buf.length < len) return;
      const type = buf[18];
      const body = buf.subarray(19, len);
      buf = buf.subarray(len);
      if (type === 1) {
        if (mode === 'badVersion') socket.write(open(3, 90));
        else if (mode === 'holdTime1') socket.write(open(4, 1));
        else socket.write(Buffer.concat([open(4, 90), KEEPALIVE]));
      } else if (type === 3) {
        print({ ev: 'notification', n, mode, code: body[0], subcode: body[1], hex: body.toString('hex') });
      } else if (type === 4 && mode === 'badUpdate' && !sentKeepaliveTrap) {
        sentKeepaliveTrap = true; // the session is Established on the speaker's side now
        socket.write(BAD_UPDATE);
      }
    }
  });
});
server.listen({ host, port: 179 }, () => print({ ev: 'listening' }));
process.on('SIGTERM', () => process.exit(0));
