// The frr backend against an in-memory shared directory (the reloader's side played by the
// test) and a fake vtysh: what it hands the reloader and when, how the reloader's answer and
// FRR's sessions become sessions() and problem(), and that an FRR which lost its
// configuration gets it again.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { buildConfig, type BgpPeer } from '../../lib/config/index.ts';
import { input, peer } from '../../lib/config/testing.ts';
import { mustParseCidr } from '../../lib/ip/index.ts';
import { createLogger } from '../../lib/log/index.ts';
import { createRegistry } from '../../lib/metrics/index.ts';
import type { ReloadDir, ReloadStatus } from '../frr/reload-files.ts';
import type { Vtysh, VtyshResult } from '../frr/vtysh.ts';
import { FrrAnnouncer } from './frr-announcer.ts';

class MemoryDir implements ReloadDir {
  readonly dir = '/shared';
  requests: { config: string; generation: number }[] = [];
  statusText: string | undefined;
  /** The reloader's answer to each request (undefined: none). */
  answer: ((generation: number) => Omit<ReloadStatus, 'generation' | 'at'> | undefined) | undefined;

  ensure(): Promise<void> {
    return Promise.resolve();
  }
  request(config: string, generation: number): Promise<void> {
    this.requests.push({ config, generation });
    const a = this.answer?.(generation);
    if (a) this.statusText = JSON.stringify({ generation, at: '2026-01-01T00:00:00Z', ...a });
    return Promise.resolve();
  }
  status(): Promise<string | undefined> {
    return Promise.resolve(this.statusText);
  }
  requested(): Promise<number | undefined> {
    return Promise.resolve(this.requests.at(-1)?.generation);
  }
}

class FakeVtysh implements Vtysh {
  answer: VtyshResult = { ok: true, stdout: '{}' };
  run(): Promise<VtyshResult> {
    return Promise.resolve(this.answer);
  }
}

const neighbors = (vrfs: Record<string, Record<string, unknown>>) => ({ ok: true as const, stdout: JSON.stringify(vrfs) });

function peers(...objects: ReturnType<typeof peer>[]): BgpPeer[] {
  const r = buildConfig(input({ bgpBackend: 'frr', bgpPeers: objects }));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return [...r.config.bgpPeers.values()];
}

const TOR = peers(peer('tor', { myASN: 64513, peerASN: 64512, peerAddress: '198.51.100.2' }), peer('red', { myASN: 64513, peerASN: 64512, peerAddress: '198.51.100.2', vrf: 'red' }));

function announcer(dir: MemoryDir, vtysh: Vtysh = new FakeVtysh()) {
  return new FrrAnnouncer({
    logger: createLogger({ component: 'test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    registry: createRegistry(), vtysh, files: dir, pollMs: 3_600_000, watch: false,
  });
}

function apply(a: FrrAnnouncer, prefixes: string[], ps: BgpPeer[] = TOR): void {
  a.apply({ peers: ps, identity: { name: 'n', addresses: ['198.51.100.3'] }, routes: new Map(ps.map((p) => [p.name, prefixes.map((x) => ({ prefix: mustParseCidr(x) }))])), cordoned: false });
}

test('a changed plan is one request (frr.conf + the next generation); the same plan again is none', async () => {
  const dir = new MemoryDir();
  dir.statusText = JSON.stringify({ generation: 7, ok: true, exitCode: 0, at: '', output: '' });
  const a = announcer(dir);
  await a.start();
  apply(a, ['203.0.113.1/32']);
  apply(a, ['203.0.113.1/32']);
  apply(a, ['203.0.113.1/32', '203.0.113.2/32']);
  await a.refresh();
  assert.deepEqual(dir.requests.map((r) => r.generation), [8, 9], 'generations go on from the reloader\'s last answer');
  assert.match(dir.requests[1]!.config, /router bgp 64513\n[\s\S]*network 203\.0\.113\.2\/32[\s\S]*router bgp 64513 vrf red\n/);
});

test('sessions come from FRR per VRF; a failed reload and an FRR that does not answer are problems that clear', async () => {
  const dir = new MemoryDir();
  const vtysh = new FakeVtysh();
  dir.answer = () => ({ ok: true, exitCode: 0, output: '' });
  const a = announcer(dir, vtysh);
  let changes = 0;
  let ups = 0;
  a.onSessionChange(() => changes++);
  a.onSessionUp(() => ups++);
  await a.start();
  vtysh.answer = neighbors({
    default: { vrfId: 0, vrfName: 'default', '198.51.100.2': { bgpState: 'Established', addressFamilyInfo: { ipv4Unicast: { sentPrefixCounter: 1 } } } },
    red: { vrfId: 5, vrfName: 'red', '198.51.100.2': { bgpState: 'Active', lastResetDueTo: 'Waiting for peer OPEN' } },
  });
  apply(a, ['203.0.113.1/32']);
  await a.refresh();
  assert.deepEqual(a.sessions(), [
    { name: 'red', peerAddress: '198.51.100.2', state: 'Active', prefixesSent: 0, established: false, lastError: 'Waiting for peer OPEN' },
    { name: 'tor', peerAddress: '198.51.100.2', state: 'Established', prefixesSent: 1, established: true },
  ]);
  assert.equal(a.problem(), undefined);
  assert.equal(ups, 1);
  assert.ok(changes >= 1);

  dir.answer = () => ({ ok: false, exitCode: 1, output: '2026 INFO: Called via ...\n\u001b[91m  ERROR\u001b[0m: vtysh failed to process new configuration: line 3: % Unknown command: bogus\n' });
  apply(a, ['203.0.113.9/32']);
  await a.refresh();
  assert.match(a.problem() ?? '', /^frr-reload\.py failed for configuration generation 2 \(exit 1\): ERROR: vtysh failed to process new configuration: line 3: % Unknown command: bogus; FRR keeps its previous configuration$/);

  vtysh.answer = { ok: false, error: 'vtysh: failed to connect to any daemons' };
  dir.answer = () => ({ ok: true, exitCode: 0, output: '' });
  apply(a, ['203.0.113.1/32']);
  await a.refresh();
  assert.match(a.problem() ?? '', /^FRR does not answer: vtysh: failed to connect/);
  vtysh.answer = { ok: true, stdout: '% Unknown command' };
  await a.refresh();
  assert.match(a.problem() ?? '', /not JSON/);
  vtysh.answer = neighbors({ default: { '198.51.100.2': { bgpState: 'Established' } }, red: { '198.51.100.2': { bgpState: 'Established' } } });
  const before = changes;
  await a.refresh();
  assert.equal(a.problem(), undefined);
  assert.ok(changes > before, 'the cleared problem rewrites the status');
});

test('no answer from the reloader is reported after the timeout', async () => {
  const dir = new MemoryDir();
  let now = 1_000;
  const a = new FrrAnnouncer({
    logger: createLogger({ component: 'test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    registry: createRegistry(), vtysh: new FakeVtysh(), files: dir, pollMs: 3_600_000, watch: false, reloadTimeoutMs: 10_000,
    clock: { now: () => now, setTimeout: () => ({ id: 0 }), clearTimeout: () => undefined },
  });
  await a.start();
  apply(a, ['203.0.113.1/32']);
  await a.refresh();
  assert.equal(a.problem(), undefined, 'not yet');
  now += 11_000;
  await a.refresh();
  assert.match(a.problem() ?? '', /no answer from the FRR reloader to configuration generation 1 in 11 s.*reloader\.sh/);
});

test('FRR lost the applied configuration (it restarted): the same configuration is requested again, backing off', async () => {
  const dir = new MemoryDir();
  dir.answer = () => ({ ok: true, exitCode: 0, output: '' });
  const vtysh = new FakeVtysh();
  let now = 100_000;
  const a = new FrrAnnouncer({
    logger: createLogger({ component: 'test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    registry: createRegistry(), vtysh, files: dir, pollMs: 3_600_000, watch: false,
    clock: { now: () => now, setTimeout: () => ({ id: 0 }), clearTimeout: () => undefined },
  });
  await a.start();
  vtysh.answer = neighbors({ default: { '198.51.100.2': { bgpState: 'Established' } }, red: { '198.51.100.2': { bgpState: 'Established' } } });
  apply(a, ['203.0.113.1/32']);
  await a.refresh();
  assert.equal(dir.requests.length, 1);
  vtysh.answer = neighbors({});
  await a.refresh();
  assert.equal(dir.requests.length, 2, 'requested again');
  assert.equal(dir.requests[1]!.config, dir.requests[0]!.config);
  assert.deepEqual(a.sessions().map((s) => `${s.name} ${s.state} ${s.lastError ?? ''}`), ['red Idle not in FRR\'s configuration yet: waiting for the reloader', 'tor Idle not in FRR\'s configuration yet: waiting for the reloader']);
  await a.refresh();
  assert.equal(dir.requests.length, 2, 'not at every poll');
  now += 11_000;
  await a.refresh();
  assert.equal(dir.requests.length, 3, 'again after the back-off');
});

test('a peer FRR cannot run beside another is a configError; a drain withdraws everything before the exit', async () => {
  const dir = new MemoryDir();
  dir.answer = () => ({ ok: true, exitCode: 0, output: '' });
  const a = announcer(dir);
  await a.start();
  const ps = peers(peer('a', { myASN: 64513, peerASN: 64512, peerAddress: '198.51.100.2' }), peer('b', { myASN: 64514, peerASN: 64512, peerAddress: '198.51.100.4' }));
  apply(a, ['203.0.113.1/32'], ps);
  await a.refresh();
  assert.match(a.sessions().find((s) => s.name === 'b')?.configError ?? '', /spec\.myASN 64514 differs from 64513 of BGPPeer a/);
  assert.deepEqual(await a.shutdown(0, { restart: false }), []);
  const last = dir.requests.at(-1)!.config;
  assert.ok(!last.includes('network 203.0.113.1/32'), 'the last configuration announces nothing');
  assert.match(last, /neighbor 198\.51\.100\.2 remote-as 64512/, 'the sessions stay until FRR stops');

  const kept = announcer(new MemoryDir());
  await kept.start();
  apply(kept, ['203.0.113.1/32']);
  await kept.shutdown(0, { restart: true });
});
