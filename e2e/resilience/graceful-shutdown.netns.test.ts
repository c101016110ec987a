// Graceful shutdown (RFC 8326): SIGTERM to one of three speakers re-announces its VIP with
// GRACEFUL_SHUTDOWN (FRR, configured as RFC 8326 §4 suggests, sets LOCAL_PREF 0 and moves
// traffic to the other two), then withdraws and closes with Cease / Administrative
// Shutdown. FRR sees the community first, the withdrawal after; the client loses nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { waitFor } from '../wait.ts';
import { speakerLab } from '../bgp/harness.ts';
import { clientResults, moreAnswers, pathFrom, prefixPaths, resilienceLab, startClient, startSpeaker, torPeer, VIP_PREFIX } from './lab.ts';

const GRACE_MS = 1_500;

test('graceful shutdown: community first, then the withdrawal; no request lost', async (t) => {
  const lab = await speakerLab(t, ['vtysh', '/usr/lib/frr/bgpd']);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const r = await resilienceLab(lab, { nodes: 3, honourGshut: true });
    const workers = await Promise.all(r.nodes.map((n) => startSpeaker(r, n, torPeer(), { onSigterm: GRACE_MS })));
    const all = r.nodes.map((n) => n.v4);
    await r.frr.waitKernelRoute(VIP_PREFIX, all);
    const client = startClient(r.client, 30_000);
    await moreAnswers(client, 10, 'before the shutdown');

    const [leaving] = r.nodes;
    const since = performance.now();
    workers[0]!.process.signal('SIGTERM');
    const gshut = await waitFor(async () => {
      const p = pathFrom(await prefixPaths(r.frr), leaving!.v4);
      return p?.community?.string?.includes('graceful-shutdown') ? p : undefined;
    }, { what: 'FRR sees GRACEFUL_SHUTDOWN on the leaving path', intervalMs: 20 });
    const gshutMs = performance.now() - since;
    assert.equal(gshut.locPrf, 0, 'FRR lowered the path to LOCAL_PREF 0');
    await r.frr.waitKernelRoute(VIP_PREFIX, all.slice(1), { timeoutMs: 5_000 });
    const drainedMs = performance.now() - since;
    assert.ok(pathFrom(await prefixPaths(r.frr), leaving!.v4), 'still announced while traffic drains');
    await waitFor(async () => !pathFrom(await prefixPaths(r.frr), leaving!.v4), { what: 'the withdrawal', timeoutMs: GRACE_MS + 5_000, intervalMs: 20 });
    const withdrawnMs = performance.now() - since;
    t.diagnostic(`SIGTERM → community at FRR ${Math.round(gshutMs)} ms, kernel route without the node ${Math.round(drainedMs)} ms, withdrawn ${Math.round(withdrawnMs)} ms`);
    assert.ok(withdrawnMs >= GRACE_MS * 0.9, 'withdrawn only after the grace period');

    await waitFor(() => !workers[0]!.process.running, { what: 'the speaker exits', timeoutMs: 5_000 });
    // The stopped session sends Cease / Administrative Shutdown (not the silent graceful-restart close).
    assert.ok(workers[0]!.lines().some((l) => l.event === 'bgpSessionIdle' && l.msg === 'Established → Idle: stopped'), 'Cease sent');
    assert.ok(!workers[0]!.lines().some((l) => l.event === 'bgp_graceful_restart_stop'));
    const bgpdLog = () => readFileSync(r.frr.processes.bgpd!.logFile, 'utf8');
    await waitFor(() => new RegExp(`NOTIFICATION: received from neighbor ${leaving!.v4}.* 6/2`).test(bgpdLog()), { what: 'FRR logs our Cease 6/2', timeoutMs: 3_000 });
    await moreAnswers(client, 10, 'after the shutdown');
    await client.stop();
    const results = clientResults(client);
    const failed = results.filter((x) => !x.ok);
    const served = new Set(results.map((x) => x.body));
    t.diagnostic(`client: ${results.length} requests, ${failed.length} failed, answered by ${[...served].sort().join(', ')}`);
    assert.deepEqual(failed, [], 'no request lost');
    for (const w of workers.slice(1)) assert.equal(w.events('down').length, 0);
  });
});
