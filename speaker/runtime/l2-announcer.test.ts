import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { createLogger } from '../../lib/log/index.ts';
import { createRegistry } from '../../lib/metrics/index.ts';
import type { L2Responder, L2ResponderOptions } from '../l2/responder.ts';
import { encodeHeartbeats, type HeartbeatLink } from '../liveness/heartbeat.ts';
import type { L2Plan } from '../planner/index.ts';
import { L2Announcer } from './l2-announcer.ts';

/** A recording stand-in for L2Responder: what it was told to own, and its options to call back. */
class FakeResponder {
  readonly opts: L2ResponderOptions;
  ownedIps: string[] = [];
  answering: { name: string; mac: string }[] = [];
  closed = false;
  constructor(opts: L2ResponderOptions) {
    this.opts = opts;
  }
  start = () => Promise.resolve();
  refreshInterfaces = () => Promise.resolve();
  setOwned = (ips: readonly string[]) => void (this.ownedIps = [...ips]);
  owned = () => this.ownedIps;
  sendHeartbeat = () => undefined;
  links = () => this.answering;
  linkStates = (): HeartbeatLink[] => [];
  close = () => void (this.closed = true);
}

/** Polls `check` until it is true, failing with `what` after `timeoutMs`. */
async function waitFor(check: () => boolean | Promise<boolean>, { timeoutMs, intervalMs, what }: { timeoutMs: number; intervalMs: number; what: string }): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function setup() {
  const responders: FakeResponder[] = [];
  const calls = { replans: 0, failed: [] as [string, string, readonly string[]][] };
  const announcer = new L2Announcer({
    node: 'self',
    logger: createLogger({ component: 'test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    registry: createRegistry(),
    livenessPort: 0,
    onLivenessChange: () => calls.replans++,
    onAnnounceFailed: (ifname, reason, ips) => calls.failed.push([ifname, reason, ips]),
    responder: (opts) => {
      const r = new FakeResponder(opts);
      responders.push(r);
      return r as unknown as L2Responder;
    },
  });
  return { announcer, responders, calls };
}

const plan = (ip: string, nodes: string[], interfaces = ['eth0']): L2Plan =>
  ({ ip, services: ['default/web'], interfaces, candidates: nodes.map((node) => ({ node, weight: 0 })), owner: nodes[0] });

test('a candidate that owns nothing keeps a standby responder (its link states reach heartbeats)', (t) => {
  const { announcer, responders } = setup();
  t.after(() => announcer.close());
  const ip = plan('203.0.113.10', ['peer', 'self']);
  announcer.apply([ip, plan('203.0.113.11', ['peer'], ['eth1'])], []);
  assert.equal(responders.length, 1, 'no responder for an IP self is no candidate for');
  assert.deepEqual(responders[0]?.opts.interfaces, ['eth0']);
  assert.deepEqual(responders[0]?.ownedIps, []);
  announcer.apply([ip], [ip]);
  assert.equal(responders.length, 1, 'taking the IP reuses the standby responder');
  assert.deepEqual(responders[0]?.ownedIps, ['203.0.113.10']);
  announcer.apply([], []);
  assert.equal(responders[0]?.closed, true, 'no longer a candidate: closed');
});

test('a responder\'s link change plans again', (t) => {
  const { announcer, responders, calls } = setup();
  t.after(() => announcer.close());
  announcer.apply([plan('203.0.113.10', ['self'])], []);
  responders[0]?.opts.onLinksChanged?.([{ name: 'eth0', mac: '02:00:00:00:00:01', up: false }]);
  assert.equal(calls.replans, 1);
});

test('a failure seen on standby is reported for the IPs the responder takes later', (t) => {
  const { announcer, responders, calls } = setup();
  t.after(() => announcer.close());
  const ip = plan('203.0.113.10', ['self']);
  announcer.apply([ip], []);
  responders[0]?.opts.onAnnounceFailed?.('eth0', 'interface is down');
  assert.deepEqual(calls.failed, [], 'no IPs, no event');
  announcer.apply([ip], [ip]);
  assert.deepEqual(calls.failed, [['eth0', 'interface is down', ['203.0.113.10']]]);
  announcer.apply([ip], [ip]);
  assert.equal(calls.failed.length, 1, 'told once per newly owned IP');
});

test('no mesh: linksOf is undefined (ownership stays liveness-only)', (t) => {
  const { announcer } = setup();
  t.after(() => announcer.close());
  assert.equal(announcer.linksOf(), undefined);
});

/** An announcer with a liveness mesh on a free UDP port, and a socket that speaks as its one peer from 127.0.0.1. */
async function withMeshPeer(t: TestContext, keyByte: number) {
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  probe.close();
  const peer = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
  t.after(() => peer.close());
  const key = new Uint8Array(32).fill(keyByte);
  const replans: number[] = [];
  const responders: FakeResponder[] = [];
  const announcer = new L2Announcer({
    node: 'self',
    logger: createLogger({ component: 'test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    registry: createRegistry(),
    livenessPort: port,
    onLivenessChange: () => replans.push(Date.now()),
    onAnnounceFailed: () => undefined,
    responder: (opts) => {
      const r = new FakeResponder(opts);
      responders.push(r);
      return r as unknown as L2Responder;
    },
  });
  t.after(() => announcer.close());
  announcer.configureLiveness({ key, bindAddress: '127.0.0.1', peers: [{ node: 'peer', address: '127.0.0.1' }] });
  return { announcer, responders, replans, peer, port, key };
}

test('a peer heard only in parts of its claims: nothing new is taken until its whole set says the IP is free', async (t) => {
  const { announcer, responders, replans, peer, port, key } = await withMeshPeer(t, 7);
  // The peer answers 300 IPs: more than one heartbeat lists, so its claims go out in parts.
  const claims = [...Array.from({ length: 150 }, (_, i) => `198.51.100.${i + 1}`), ...Array.from({ length: 150 }, (_, i) => `203.0.113.${i + 1}`)].sort();
  let seq = 0;
  const wires = encodeHeartbeats({ node: 'peer', incarnation: 'peer-1', sentAt: Date.now(), links: [], claims }, () => seq++, key);
  assert.ok(wires.length >= 2, `claims in ${wires.length} part(s)`);
  const mine = '203.0.113.200'; // ours by the plan; the peer does not claim it
  const theirs = claims.at(-1)!; // listed only in the last part
  const send = (wire: Buffer) => new Promise<void>((resolve, reject) => peer.send(wire, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  const plans = [plan(mine, ['self', 'peer']), plan(theirs, ['self', 'peer'])];
  const heard = () => replans.length;
  // Only the first part: the peer is heard, but what it answers is half known.
  await waitFor(async () => {
    await send(wires[0]!);
    return heard() > 0;
  }, { timeoutMs: 5_000, intervalMs: 50, what: 'the first part heard' });
  announcer.apply(plans, plans);
  await waitFor(() => announcer.isReady(), { timeoutMs: 5_000, intervalMs: 10, what: 'announcer ready' });
  announcer.apply(plans, plans);
  assert.deepEqual(responders[0]?.ownedIps, [], `${theirs} may still be answered by the peer: nothing new is taken`);
  // The rest of the set: the peer claims `theirs` (we yield it) and not `mine` (we take it).
  for (const wire of wires.slice(1)) await send(wire);
  await waitFor(() => {
    announcer.apply(plans, plans);
    return responders[0]?.ownedIps.join() === mine;
  }, { timeoutMs: 5_000, intervalMs: 20, what: `only ${mine} taken once the whole set arrived` });
});

test('a peer silent by the clock only (our own process stalled) keeps its claims until the check declares it dead', async (t) => {
  const { announcer, responders, replans, peer, port, key } = await withMeshPeer(t, 9);
  const mine = '203.0.113.200';
  const theirs = '203.0.113.201'; // ours by the plan too, but the peer answers it
  let seq = 0;
  let claims = [theirs];
  const send = () => {
    const [wire] = encodeHeartbeats({ node: 'peer', incarnation: 'peer-1', sentAt: Date.now(), links: [], claims }, () => seq++, key);
    return new Promise<void>((resolve, reject) => peer.send(wire!, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  };
  const plans = [plan(mine, ['self', 'peer']), plan(theirs, ['self', 'peer'])];
  await waitFor(async () => {
    await send();
    return replans.length > 0;
  }, { timeoutMs: 5_000, intervalMs: 50, what: 'the peer heard' });
  announcer.apply(plans, plans);
  await waitFor(async () => {
    await send();
    return announcer.isReady();
  }, { timeoutMs: 5_000, intervalMs: 20, what: 'announcer ready' });
  await waitFor(async () => {
    await send();
    announcer.apply(plans, plans);
    return responders[0]?.ownedIps.join() === mine;
  }, { timeoutMs: 5_000, intervalMs: 20, what: `${mine} answered, ${theirs} left to the peer` });
  // Our process stalls past the liveness timeout (GC, CPU starvation) and plans before reading
  // the socket: by the clock the peer is silent, but nothing has said it is dead.
  const stalled = performance.now();
  while (performance.now() - stalled < 450) { /* busy */ }
  announcer.apply(plans, plans);
  assert.deepEqual(responders[0]?.ownedIps, [mine], `${theirs} is not taken on the clock alone, and ${mine} is still answered`);
  // Its queued word is read: it lets the IP go, and then the IP is ours.
  claims = [];
  await waitFor(async () => {
    await send();
    announcer.apply(plans, plans);
    return responders[0]?.ownedIps.join() === [mine, theirs].sort().join();
  }, { timeoutMs: 5_000, intervalMs: 20, what: `${theirs} taken once the peer let it go` });
});

test('a just-watched peer\'s grace ends after the sockets are read, not by the clock: a stall of ours takes nothing it answers', async (t) => {
  const { announcer, responders, port, key } = await withMeshPeer(t, 11);
  const mine = '203.0.113.210';
  const theirs = '203.0.113.211';
  const [wire] = encodeHeartbeats({ node: 'peer', incarnation: 'peer-1', sentAt: Date.now(), links: [], claims: [theirs] }, () => 0, key);
  // The peer's first heartbeat comes from another process while ours is stalled: queued, unread.
  const sender = spawn(process.execPath, ['-e', `
    const s = require('node:dgram').createSocket('udp4');
    process.stdin.once('data', () => setTimeout(() => s.send(Buffer.from('${wire!.toString('hex')}', 'hex'), ${port}, '127.0.0.1', () => process.exit(0)), 100));
    console.log('ready');
  `], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => sender.kill());
  await new Promise((resolve) => sender.stdout.once('data', resolve));
  const plans = [plan(mine, ['self', 'peer']), plan(theirs, ['self', 'peer'])];
  announcer.apply(plans, plans);
  await waitFor(() => announcer.isReady(), { timeoutMs: 5_000, intervalMs: 5, what: 'announcer ready' });
  sender.stdin.write('go\n');
  const stalled = performance.now();
  while (performance.now() - stalled < 600) { /* busy: the grace (one timeout) passes by the clock */ }
  announcer.apply(plans, plans);
  assert.ok(!responders[0]?.ownedIps.includes(theirs), `${theirs} is not taken while the peer's heartbeat waits unread`);
  await waitFor(() => {
    announcer.apply(plans, plans);
    return responders[0]?.ownedIps.join() === mine;
  }, { timeoutMs: 5_000, intervalMs: 20, what: `the peer heard: ${mine} answered, ${theirs} left to it` });
});
