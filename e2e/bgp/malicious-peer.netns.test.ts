// Malformed BGP input to the shipped `portside speaker`, configured through the API with two
// BGPPeers: a hand-made peer (evil-peer.ts) that sends a bad OPEN version, hold time 1, then a
// malformed UPDATE, and an FRR ToR. The speaker answers each with the RFC's NOTIFICATION,
// retries later, never crashes (the same process throughout), and its session with FRR stays
// Established, FRR keeping the Service's route.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../wait.ts';
import { NODE_ASN, resilienceLab, speakerEvents, VIP_PREFIX } from '../resilience/lab.ts';

const EVIL_PEER = fileURLToPath(new URL('./evil-peer.ts', import.meta.url));
const EVIL_ASN = 64520;

interface EvilLine {
  ev: string;
  n?: number;
  mode?: string;
  code?: number;
  subcode?: number;
  hex?: string;
}

test('`portside speaker`: malformed OPENs and UPDATEs get the right NOTIFICATION; no crash; the FRR session is untouched', async (t) => {
  const r = await resilienceLab(t, { nodes: 1 });
  if (!r) return;
  const { c, frr } = r;
  await c.lab.dumpOnFailure(async () => {
    const node = r.nodes[0]!;
    const speaker = node.speaker!;
    const evilV4 = c.addr(10);
    const evilNs = await c.host('evil', 10);
    const evil = evilNs.spawn(process.execPath, [EVIL_PEER, evilV4, String(EVIL_ASN), 'badVersion,holdTime1,badUpdate'], { name: 'evil' });
    const evilLines = (): EvilLine[] => evil.jsonLines<EvilLine>();
    await waitFor(() => evilLines().some((l) => l.ev === 'listening'), { what: 'evil peer listening' });
    await c.apply('bgppeers', 'BGPPeer', 'evil', { myASN: NODE_ASN, peerASN: EVIL_ASN, peerAddress: evilV4, connectTime: '1s', holdTime: '9s' });

    const notifications = await waitFor(
      () => {
        const got = evilLines().filter((l) => l.ev === 'notification');
        return got.length >= 3 ? got : undefined;
      },
      { what: 'three NOTIFICATIONs at the evil peer', timeoutMs: 60_000 },
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
    // The peer can read a NOTIFICATION before the speaker's log line about it is written.
    const sent = await waitFor(() => {
      const lines = speakerEvents(node, 'bgp_notification_sent', 'evil');
      return lines.length >= 3 ? lines : undefined;
    }, { what: 'the speaker\'s log: three NOTIFICATIONs sent to the evil peer', timeoutMs: 10_000 });
    assert.deepEqual(sent.slice(0, 3).map((l) => `${String(l.code)}/${String(l.subcode)}`), ['2/1', '2/6', '3/1']);

    // Still one unbroken session with FRR, and FRR still has our route; the speaker never restarted.
    assert.equal(speakerEvents(node, 'bgp_session_established', 'tor').length, 1);
    assert.deepEqual(speakerEvents(node, 'bgp_session_down', 'tor'), []);
    await frr.waitEstablished(node.v4, { timeoutMs: 1_000 });
    assert.deepEqual(await frr.bgpNextHops(VIP_PREFIX), [node.v4]);
    assert.ok(speaker.running && node.speaker === speaker, 'the same speaker process throughout');
    // No crash, no wedge: the speaker's /healthz (its loop works) answers 200.
    assert.equal((await c.scrape(node, '/healthz')).status, 200);
  });
});
