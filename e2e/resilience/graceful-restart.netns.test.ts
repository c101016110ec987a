// Graceful restart (RFC 4724) against FRR in helper mode: the speaker process of the only
// node dies (SIGKILL), then stops for a planned restart (SIGTERM, no NOTIFICATION); each
// time FRR keeps the VIP route (stale) and its kernel route while the process is down, the
// new process (R bit) re-announces and sends End-of-RIB, and a client loop to the VIP
// across FRR loses no request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../wait.ts';
import { speakerLab } from '../bgp/harness.ts';
import type { SpeakerWorker } from '../bgp/harness.ts';
import { clientResults, moreAnswers, pathFrom, prefixPaths, resilienceLab, startClient, startSpeaker, torPeer, VIP_PREFIX } from './lab.ts';
import type { ResilienceLab, ResilienceNode } from './lab.ts';

async function grInfo(r: ResilienceLab): Promise<{ remoteGrMode?: string; rBit?: boolean } | undefined> {
  const nbr = Object.values(await r.frr.bgpNeighbors())[0];
  return nbr?.gracefulRestartInfo as { remoteGrMode?: string; rBit?: boolean } | undefined;
}

async function downAndBack(t: { diagnostic(m: string): void }, r: ResilienceLab, node: ResilienceNode, stop: (w: SpeakerWorker) => Promise<void>, label: string): Promise<void> {
  const client = r.lab.processes.find((p) => p.name.endsWith('/client'))!;
  const old = node.speaker!;
  await stop(old);
  assert.ok(!old.process.running, 'old speaker gone');
  const stale = await waitFor(async () => (await prefixPaths(r.frr)).find((p) => p.stale), { what: `${label}: FRR marks the VIP path stale`, timeoutMs: 5_000 });
  assert.ok(stale, 'stale path');
  assert.deepEqual(await r.frr.kernelNextHops(VIP_PREFIX), [node.v4], 'the kernel route stays while the speaker is down');
  await moreAnswers(client, 10, `${label}: while the speaker is down`);
  assert.ok((await prefixPaths(r.frr)).some((p) => p.stale), 'still stale after half a second');

  const worker = await startSpeaker(r, node, torPeer({ gracefulRestart: true }), { restarting: true, onSigterm: 'restart' });
  await worker.waitUp('tor4');
  const gr = await waitFor(async () => grInfo(r), { what: 'FRR GR info' });
  assert.equal(gr.rBit, true, 'the new OPEN carries the Restart State bit');
  await waitFor(async () => {
    const p = pathFrom(await prefixPaths(r.frr), node.v4);
    return p && !p.stale;
  }, { what: `${label}: FRR refreshes the path (End-of-RIB)` });
  t.diagnostic(`${label}: FRR kept the route stale while the speaker was down; the new process refreshed it`);
  await moreAnswers(client, 5, `${label}: after the restart`);
}

test('graceful restart: FRR keeps the route stale while the speaker restarts; no request lost', async (t) => {
  const lab = await speakerLab(t, ['vtysh', '/usr/lib/frr/bgpd']);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const r = await resilienceLab(lab, { nodes: 1 });
    const node = r.nodes[0]!;
    await startSpeaker(r, node, torPeer({ gracefulRestart: true }), { onSigterm: 'restart' });
    await r.frr.waitKernelRoute(VIP_PREFIX, [node.v4]);
    const gr = await grInfo(r);
    assert.equal(gr?.remoteGrMode, 'Restart', 'FRR sees our graceful-restart capability');
    assert.equal(gr?.rBit, false);

    const client = startClient(r, 40_000);
    await moreAnswers(client, 5, 'before any restart');
    await downAndBack(t, r, node, (w) => w.process.kill().then(() => undefined), 'SIGKILL');
    await downAndBack(t, r, node, async (w) => {
      w.process.signal('SIGTERM');
      await waitFor(() => !w.process.running, { what: 'the speaker exits on SIGTERM', timeoutMs: 5_000 });
      assert.ok(w.lines().some((l) => l.event === 'bgp_graceful_restart_stop'), 'closed without NOTIFICATION');
      assert.equal(w.events('notification').filter((l) => l.direction === 'sent').length, 0, 'no NOTIFICATION sent');
    }, 'planned restart');

    await client.stop();
    const results = clientResults(client);
    const failed = results.filter((x) => !x.ok);
    t.diagnostic(`client: ${results.length} requests, ${failed.length} failed`);
    assert.ok(results.length > 30);
    assert.deepEqual(failed, [], 'no request lost');
  });
});
