// Graceful shutdown (RFC 8326) of the shipped `portside speaker`, configured through the API
// (BGPPeer without enableGracefulRestart, so SIGTERM withdraws): SIGTERM to one of three
// speakers re-announces its VIP with GRACEFUL_SHUTDOWN for PORTSIDE_GRACEFUL_SHUTDOWN_MS
// (FRR, configured as RFC 8326 §4 suggests, sets LOCAL_PREF 0 and moves traffic to the other
// two), then withdraws and closes with Cease / Administrative Shutdown. FRR sees the
// community first, the withdrawal after; the client behind the ToR loses nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { waitFor } from '../wait.ts';
import { clientResults, moreAnswers, pathFrom, prefixPaths, resilienceLab, speakerEvents, startClient, VIP_PREFIX } from './lab.ts';

const GRACE_MS = 1_500;

test('graceful shutdown of `portside speaker`: community first, then the withdrawal and Cease; no request lost', async (t) => {
  const r = await resilienceLab(t, { nodes: 3, honourGshut: true, speakerEnv: { PORTSIDE_GRACEFUL_SHUTDOWN_MS: String(GRACE_MS) } });
  if (!r) return;
  const { c, frr } = r;
  await c.lab.dumpOnFailure(async () => {
    const all = r.nodes.map((n) => n.v4);
    const client = startClient(r.client, 60_000);
    await moreAnswers(client, 10, 'before the shutdown');

    const [leaving, ...others] = r.nodes;
    assert.ok(leaving?.speaker);
    const speaker = leaving.speaker;
    const since = performance.now();
    speaker.signal('SIGTERM');
    const gshut = await waitFor(async () => {
      const p = pathFrom(await prefixPaths(frr), leaving.v4);
      return p?.community?.string?.includes('graceful-shutdown') ? p : undefined;
    }, { what: 'FRR sees GRACEFUL_SHUTDOWN on the leaving path', intervalMs: 20 });
    const gshutMs = performance.now() - since;
    assert.equal(gshut.locPrf, 0, 'FRR lowered the path to LOCAL_PREF 0');
    await frr.waitKernelRoute(VIP_PREFIX, all.slice(1), { timeoutMs: 5_000 });
    const drainedMs = performance.now() - since;
    assert.ok(pathFrom(await prefixPaths(frr), leaving.v4), 'still announced while traffic drains');
    await waitFor(async () => !pathFrom(await prefixPaths(frr), leaving.v4), { what: 'the withdrawal', timeoutMs: GRACE_MS + 10_000, intervalMs: 20 });
    const withdrawnMs = performance.now() - since;
    t.diagnostic(`SIGTERM → community at FRR ${Math.round(gshutMs)} ms, kernel route without the node ${Math.round(drainedMs)} ms, withdrawn ${Math.round(withdrawnMs)} ms`);
    // The lower bound cannot flake on a slow machine: the speaker waits at least the grace period.
    assert.ok(withdrawnMs >= GRACE_MS * 0.9, 'withdrawn only after the grace period');

    const exit = await waitFor(() => speaker.exitStatus, { what: 'the speaker exits', timeoutMs: 10_000 });
    assert.equal(exit.code, 0, 'the speaker exits 0 after SIGTERM');
    // The speaker's own account: GRACEFUL_SHUTDOWN, the withdrawal (not a graceful-restart exit), Cease.
    assert.equal(speakerEvents(leaving, 'bgp_graceful_shutdown').length >= 1, true, 'the speaker logs its GRACEFUL_SHUTDOWN');
    assert.equal(speakerEvents(leaving, 'bgp_shutdown_withdraw').length >= 1, true, 'the speaker logs its withdrawal');
    assert.deepEqual(speakerEvents(leaving, 'bgp_graceful_restart_exit'), [], 'not a graceful-restart exit');
    assert.ok(speakerEvents(leaving, 'bgpSessionIdle').some((l) => l.msg === 'Established → Idle: stopped'), 'session stopped');
    const bgpdLog = () => readFileSync(frr.processes.bgpd!.logFile, 'utf8');
    await waitFor(() => new RegExp(`NOTIFICATION: received from neighbor ${leaving.v4.replaceAll('.', '\\.')}.* 6/2`).test(bgpdLog()), { what: 'FRR logs our Cease 6/2', timeoutMs: 5_000 });
    await moreAnswers(client, 10, 'after the shutdown');
    await client.stop();
    const results = clientResults(client);
    const failed = results.filter((x) => !x.ok);
    const served = new Set(results.map((x) => x.body));
    t.diagnostic(`client: ${results.length} requests, ${failed.length} failed, answered by ${[...served].sort().join(', ')}`);
    assert.deepEqual(failed, [], 'no request lost');
    for (const n of others) assert.deepEqual(speakerEvents(n, 'bgp_session_down'), [], `${n.name} kept its session`);
  });
});
