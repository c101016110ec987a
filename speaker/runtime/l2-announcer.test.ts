import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { Writable } from 'node:stream';
import { test } from 'node:test';
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

test('a peer heard only in parts of its claims: nothing new is taken until its whole set says the IP is free', async (t) => {
  // A free UDP port for the mesh, and a socket that speaks as the peer from 127.0.0.1.
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  probe.close();
  const peer = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
  t.after(() => peer.close());
  const key = new Uint8Array(32).fill(7);
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
