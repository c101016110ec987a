import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../lib/log/index.ts';
import { createRegistry } from '../../lib/metrics/index.ts';
import type { L2Responder, L2ResponderOptions } from '../l2/responder.ts';
import type { HeartbeatLink } from '../liveness/heartbeat.ts';
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
