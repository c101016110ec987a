// Interop with a real BFD implementation: FRR 8.4 bfdd in one namespace, our BfdManager
// (netns-worker.ts, its own process so it can be SIGKILLed) in another, joined by a veth.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { buildLab, hostOf } from '../lab/builder.ts';
import { Lab, requireCommands, requireRoot, type LabProcess, type Netns } from '../netns/index.ts';
import { startFrr, type FrrRouter } from '../routers/index.ts';
import { waitFor } from '../wait.ts';

const FRR_ADDR = '198.51.100.1';
const OUR_ADDR = '198.51.100.2';
const WORKER = fileURLToPath(new URL('./netns-worker.ts', import.meta.url));
const ROUNDS = Number(process.env.BFD_KILL_ROUNDS ?? 3);
const PROFILE = { receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3 };

interface WorkerLine {
  event: string;
  t: number;
  to?: string;
  diag?: number;
  discriminator?: number;
}

class Worker {
  readonly proc: LabProcess;
  constructor(ns: Netns) {
    const opts = { peer: FRR_ADDR, local: OUR_ADDR, profile: PROFILE, nextProfile: { ...PROFILE, transmitInterval: 200, receiveInterval: 250 } };
    this.proc = ns.spawn(process.execPath, [WORKER, JSON.stringify(opts)], { name: 'bfd-worker' });
  }

  lines(): WorkerLine[] {
    return this.proc.jsonLines<WorkerLine>().filter((l) => l.event);
  }

  /** The first line after `since` (ms, wall clock) that matches. */
  waitLine(what: string, match: (l: WorkerLine) => boolean, since = 0): Promise<WorkerLine> {
    return waitFor(() => this.lines().find((l) => l.t >= since && match(l)), { timeoutMs: 10_000, what: `worker: ${what}`, intervalMs: 20 });
  }
}

async function frrPeer(frr: FrrRouter): Promise<Record<string, unknown> | undefined> {
  return (await frr.bfdPeers()).find((p) => p.peer === OUR_ADDR);
}

/** Wall-clock ms of bfdd's "up -> down" log lines (`debug bfd peer`, ms timestamps). */
function frrDownTimes(frr: FrrRouter): number[] {
  const log = frr.processes.bfdd ? readFileSync(frr.processes.bfdd.logFile, 'utf8') : '';
  const lines = log.matchAll(/^(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d\.\d{3}) BFD: .*state-change: .* up -> down/gm);
  return [...lines].map((m) => new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}`).getTime()); // local time, like bfdd's
}

/**
 * Polls FRR until the peer has `status`; returns ms from `since` to the start of the first
 * probe that saw it, and `slack`, the gap to the previous probe (the change is in between).
 */
async function msUntilFrr(frr: FrrRouter, status: string, since: number): Promise<{ ms: number; slack: number }> {
  let previous = since;
  let current = since;
  await waitFor(
    async () => {
      [previous, current] = [current, performance.now()];
      return (await frrPeer(frr))?.status === status;
    },
    { timeoutMs: 10_000, intervalMs: 1, what: `FRR peer ${status}` },
  );
  return { ms: current - since, slack: current - previous };
}

test('FRR bfdd and Portside bring a session Up, poll, and each notices the other die', async (t) => {
  if (!requireRoot(t)) return;
  if (!requireCommands(t, ['ip', 'vtysh', '/usr/lib/frr/bfdd', '/usr/lib/frr/zebra'])) return;
  const lab = await Lab.create({ prefix: `psbfd${randomBytes(2).toString('hex')}` });
  t.after(() => lab.destroy());

  await lab.dumpOnFailure(async () => {
    const { router, nodes } = await buildLab(lab, {
      lan: { v4: '198.51.100.0/24' },
      router: { name: 'frr', host: hostOf(FRR_ADDR) },
      nodes: { count: 1, first: hostOf(OUR_ADDR), name: () => 'node' },
    });
    const [frrNs, ourNs] = [router!.ns, nodes[0]!.ns];
    const frr = await startFrr(lab, frrNs, {
      asn: 64512,
      routerId: FRR_ADDR,
      extraConfig: [
        'log timestamp precision 3',
        'log stdout debugging',
        'debug bfd peer',
        'bfd',
        ` peer ${OUR_ADDR} local-address ${FRR_ADDR}`,
        `  receive-interval ${PROFILE.receiveInterval}`,
        `  transmit-interval ${PROFILE.transmitInterval}`,
        `  detect-multiplier ${PROFILE.detectMultiplier}`,
        ' exit',
        'exit',
      ].join('\n'),
    });

    // 1. Up on both sides; FRR sees our discriminator and intervals.
    let started = performance.now();
    let worker = new Worker(ourNs);
    const ready = await worker.waitLine('ready', (l) => l.event === 'ready');
    await frr.waitBfd(OUR_ADDR, 'up');
    await worker.waitLine('Up', (l) => l.to === 'Up');
    t.diagnostic(`session Up ${Math.round(performance.now() - started)} ms after the worker started`);
    const peer = await frrPeer(frr);
    assert.equal(peer?.['remote-id'], ready.discriminator);
    assert.equal(peer?.['remote-transmit-interval'], 300);
    assert.equal(peer?.['remote-detect-multiplier'], 3);

    // 2. Our process dies (SIGKILL): FRR declares the session down by detection time
    //    (our mult 3 × max(its 300 ms rx, our 300 ms tx) = 900 ms after our last packet).
    const noticed: number[] = []; // from bfdd's own log: exact to the ms
    const polled: string[] = []; // from vtysh polling: each probe takes 40–200 ms
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        started = performance.now();
        worker = new Worker(ourNs);
        await worker.waitLine('Up again', (l) => l.to === 'Up');
        await frr.waitBfd(OUR_ADDR, 'up');
        t.diagnostic(`session Up again ${Math.round(performance.now() - started)} ms after restart`);
      }
      const [since, killedAt] = [performance.now(), Date.now()];
      await worker.proc.kill();
      const { ms, slack } = await msUntilFrr(frr, 'down', since);
      polled.push(`${Math.round(ms)}±${Math.round(slack)}`);
      const logged = await waitFor(() => frrDownTimes(frr).find((d) => d >= killedAt), { what: 'bfdd logs up -> down' });
      noticed.push(logged - killedAt);
      assert.match(String((await frrPeer(frr))?.diagnostic), /detection time expired/);
    }
    t.diagnostic(`FRR declared us down [${noticed.join(', ')}] ms after SIGKILL at 300 ms × 3 (bfdd log; vtysh polling saw [${polled.join(', ')}] ms)`);
    // The mechanism is shown by the diagnostic above (detection time expired); the times are
    // figures (bench/bfd.ts measures them). A generous bound only: a loaded machine delays bfdd too.
    assert.ok(Math.max(...noticed) < 5_000, `FRR took [${noticed.join(', ')}] ms; detection time is 900 ms`);

    // 3. A new process; a profile change while Up runs a Poll Sequence FRR answers with Final.
    worker = new Worker(ourNs);
    await worker.waitLine('Up again', (l) => l.to === 'Up');
    await frr.waitBfd(OUR_ADDR, 'up');
    const sigAt = Date.now();
    worker.proc.signal('SIGUSR1');
    await worker.waitLine('poll complete', (l) => l.event === 'poll', sigAt);
    await waitFor(async () => (await frrPeer(frr))?.['remote-transmit-interval'] === 200, { what: 'FRR sees our 200 ms' });
    assert.equal((await frrPeer(frr))?.['remote-receive-interval'], 250);
    assert.equal((await frrPeer(frr))?.status, 'up');

    // 4. The link goes down on FRR's side: we go Down with diag 1 (3 × FRR's 300 ms tx).
    const linkDownAt = Date.now();
    let since = performance.now();
    await frrNs.linkUp('eth0', false);
    const down = await worker.waitLine('Down', (l) => l.event === 'state' && l.to === 'Down', linkDownAt);
    t.diagnostic(`we noticed the dead link after ${down.t - linkDownAt} ms (300 ms × 3 → detection 900 ms)`);
    assert.equal(down.diag, 1);
    assert.ok(down.t - linkDownAt < 3000);
    await msUntilFrr(frr, 'down', since);

    // 5. Link back: Up again; SIGTERM removes the session and FRR sees AdminDown.
    await frrNs.linkUp('eth0', true);
    const upAt = Date.now();
    await worker.waitLine('Up after link up', (l) => l.to === 'Up', upAt);
    await frr.waitBfd(OUR_ADDR, 'up');
    since = performance.now();
    worker.proc.signal('SIGTERM');
    const frrAdminDown = await msUntilFrr(frr, 'down', since);
    t.diagnostic(`FRR saw our AdminDown after ${Math.round(frrAdminDown.ms)} ms`);
    assert.match(String((await frrPeer(frr))?.['remote-diagnostic']), /administratively down/);
    assert.equal((await worker.proc.waitExit()).code, 0);
  });
});
