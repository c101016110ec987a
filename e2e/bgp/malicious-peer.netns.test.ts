// A hand-made peer sends a bad OPEN version, hold time 1, then a malformed UPDATE: our
// speaker answers each with the RFC's NOTIFICATION, retries later, and its session with a
// real FRR in the same process stays Established throughout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFrr } from '../routers/index.ts';
import { waitFor } from '../wait.ts';
import { SpeakerWorker, speakerLab } from './harness.ts';
import { hostOf } from '../lab/builder.ts';
import { FAST, FAST_DEFAULTS, NODE_ASN, TOR, hostRoute, torAndNodes, torPeers } from './topology.ts';

const EVIL_PEER = fileURLToPath(new URL('./evil-peer.ts', import.meta.url));
const EVIL = { v4: '198.51.100.2', asn: 64513 };

interface EvilLine {
  ev: string;
  n?: number;
  mode?: string;
  code?: number;
  subcode?: number;
  hex?: string;
}

test('malformed OPENs and UPDATEs get the right NOTIFICATION; the FRR session is untouched', async (t) => {
  const lab = await speakerLab(t, ['vtysh', '/usr/lib/frr/bgpd']);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const topo = await torAndNodes(lab);
    const { tor, nodes } = topo;
    const node = nodes[0]!;
    const { ns: evilNs } = await topo.host('evil', hostOf(EVIL.v4));
    const evil = evilNs.spawn(process.execPath, [EVIL_PEER, EVIL.v4, String(EVIL.asn), 'badVersion,holdTime1,badUpdate'], { name: 'evil' });
    const evilLines = (): EvilLine[] => evil.jsonLines<EvilLine>();
    await waitFor(() => evilLines().some((l) => l.ev === 'listening'), { what: 'evil peer listening' });

    const frr = await startFrr(lab, tor, { asn: TOR.asn, routerId: TOR.v4, neighbors: [{ address: node.v4, remoteAs: NODE_ASN }] });
    const worker = await SpeakerWorker.start(lab, node.ns, {
      node: { name: 'n1', addresses: [node.v4] },
      defaults: FAST_DEFAULTS,
      peers: [...torPeers().slice(0, 1), { name: 'evil', peerAddress: EVIL.v4, myASN: NODE_ASN, peerASN: EVIL.asn, ...FAST }],
      routes: { tor4: [hostRoute('203.0.113.10/32')], evil: [hostRoute('203.0.113.10/32')] },
    });
    await worker.waitUp('tor4');
    await frr.waitBgpRoute('203.0.113.10/32', [node.v4]);

    const notifications = await waitFor(
      () => {
        const got = evilLines().filter((l) => l.ev === 'notification');
        return got.length >= 3 ? got : undefined;
      },
      { what: 'three NOTIFICATIONs at the evil peer', timeoutMs: 15_000 },
    );
    assert.deepEqual(
      notifications.slice(0, 3).map((l) => [l.n, l.mode, l.code, l.subcode]),
      [
        [1, 'badVersion', 2, 1], // OPEN Message Error / Unsupported Version Number
        [2, 'holdTime1', 2, 6], // OPEN Message Error / Unacceptable Hold Time
        [3, 'badUpdate', 3, 1], // UPDATE Message Error / Malformed Attribute List
      ],
    );
    assert.equal(notifications[0]?.hex, '02010004', 'version error carries the version we support (4)');
    const sent = worker.events('notification', 'evil').filter((l) => l.direction === 'sent');
    assert.deepEqual(sent.slice(0, 3).map((l) => `${l.code}/${l.subcode}`), ['2/1', '2/6', '3/1']);

    // Still one unbroken session with FRR, and FRR still has our route.
    assert.equal(worker.events('up', 'tor4').length, 1);
    assert.deepEqual(worker.events('down', 'tor4'), []);
    await frr.waitEstablished(node.v4, { timeoutMs: 1_000 });
    assert.deepEqual(await frr.bgpNextHops('203.0.113.10/32'), [node.v4]);
    assert.ok(worker.process.running);
  });
});
