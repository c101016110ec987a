// The host-frr backend against a recording fake vtysh and interface: what it changes, and that
// unreadable output changes nothing and becomes a problem (ConfigurationState), not a crash.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { BgpPeer } from '../../lib/config/index.ts';
import { mustParseCidr, mustParseIp, parseAddressRange, type Cidr } from '../../lib/ip/index.ts';
import { createLogger } from '../../lib/log/index.ts';
import { createRegistry } from '../../lib/metrics/index.ts';
import type { InterfaceAddresses, IpResult } from '../frr/interface-addresses.ts';
import type { Vtysh, VtyshResult } from '../frr/vtysh.ts';
import type { BgpApply } from './bgp-announcer.ts';
import { HostFrrAnnouncer } from './host-frr-announcer.ts';

const RUNNING = readFileSync(new URL('../frr/fixtures/running-config-dynamic.txt', import.meta.url), 'utf8');
const NEIGHBORS = JSON.stringify({ '198.51.100.2': { bgpState: 'Established', addressFamilyInfo: { ipv4Unicast: { sentPrefixCounter: 2 } } } });

class FakeVtysh implements Vtysh {
  calls: string[][] = [];
  answers: Record<string, VtyshResult>;
  constructor(answers: Record<string, VtyshResult>) {
    this.answers = answers;
  }
  run(commands: readonly string[]): Promise<VtyshResult> {
    this.calls.push([...commands]);
    return Promise.resolve(this.answers[commands[0] ?? ''] ?? { ok: true, stdout: '' });
  }
  changes(): string[][] {
    return this.calls.filter((c) => c[0] === 'configure terminal');
  }
}

class FakeInterface implements InterfaceAddresses {
  readonly name = 'portside0';
  addrs: Cidr[] | undefined = undefined;
  log: string[] = [];
  list(): Promise<IpResult<Cidr[] | undefined>> {
    return Promise.resolve({ ok: true, value: this.addrs });
  }
  ensure(): Promise<IpResult<void>> {
    this.log.push('ensure');
    this.addrs ??= [];
    return Promise.resolve({ ok: true, value: undefined });
  }
  add(c: string): Promise<IpResult<void>> {
    this.log.push(`add ${c}`);
    this.addrs?.push(mustParseCidr(c));
    return Promise.resolve({ ok: true, value: undefined });
  }
  remove(c: string): Promise<IpResult<void>> {
    this.log.push(`del ${c}`);
    return Promise.resolve({ ok: true, value: undefined });
  }
}

const pools = (['203.0.113.0/28', '2001:db8:ff::/120'] as const).map((t) => {
  const r = parseAddressRange(t);
  if (!r.ok) throw new Error(r.error);
  return r.value;
});
const tor = { name: 'tor', peerAddress: mustParseIp('198.51.100.2'), interface: undefined, bfdProfile: undefined, peerPort: 179 } as unknown as BgpPeer;

function announcer(vtysh: Vtysh, iface = new FakeInterface()) {
  return new HostFrrAnnouncer({
    logger: createLogger({ component: 'test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    registry: createRegistry(), vtysh, iface, exclude: [], reconcileMs: 60_000,
  });
}

function apply(a: HostFrrAnnouncer, prefixes: string[], more: Partial<BgpApply> = {}): void {
  a.apply({ peers: [tor], identity: { name: 'n', addresses: [] }, routes: new Map([['tor', prefixes.map((p) => ({ prefix: mustParseCidr(p) }))]]), cordoned: false, pools, ...more });
}

async function settle(a: HostFrrAnnouncer): Promise<void> {
  await a.shutdown(0, { restart: true });
}

test('dynamic IPv4 / connected IPv6 (as the operator\'s FRR says): network lines and interface addresses, sessions from FRR', async () => {
  const vtysh = new FakeVtysh({ 'show running-config': { ok: true, stdout: RUNNING }, 'show bgp neighbors json': { ok: true, stdout: NEIGHBORS } });
  const iface = new FakeInterface();
  const a = announcer(vtysh, iface);
  await a.start();
  apply(a, ['203.0.113.3/32', '2001:db8:ff::1/128']);
  await settle(a);
  assert.deepEqual(vtysh.changes(), [[
    'configure terminal', 'router bgp 64513', 'address-family ipv4 unicast', 'no network 203.0.113.1/32', 'network 203.0.113.3/32', 'exit-address-family',
    'address-family ipv6 unicast', 'no network 2001:db8:ff::1/128', 'exit-address-family', 'exit', 'end',
  ]], 'the operator\'s 10.1.0.0/24 stays; the IPv6 family redistributes connected, so its owned network line goes');
  assert.deepEqual(iface.log, ['ensure', 'add 2001:db8:ff::1/128']);
  assert.deepEqual(a.sessions(), [{ name: 'tor', peerAddress: '198.51.100.2', state: 'Established', prefixesSent: 2, established: true }]);
  assert.equal(a.problem(), undefined);
  assert.deepEqual(a.currentModes(), { ipv4: 'dynamic', ipv6: 'connected' });
});

test('malformed or failing vtysh: a problem to report, no change made, and it clears once FRR answers again', async () => {
  for (const bad of [
    { ok: true, stdout: 'router bgp 64513\n network 203.0.113.1/32\n' },
    { ok: true, stdout: '% Unknown command' },
    { ok: false, error: 'vtysh: failed to connect to any daemons' },
  ] as VtyshResult[]) {
    const vtysh = new FakeVtysh({ 'show running-config': bad });
    const iface = new FakeInterface();
    const a = announcer(vtysh, iface);
    let changed = 0;
    a.onSessionChange(() => changed++);
    await a.start();
    apply(a, ['203.0.113.3/32']);
    await settle(a);
    assert.deepEqual(vtysh.changes(), [], 'no configuration command');
    assert.deepEqual(iface.log, []);
    assert.ok(a.problem(), 'a problem is reported');
    assert.equal(changed, 1, 'the status is rewritten');
  }
  const vtysh = new FakeVtysh({ 'show running-config': { ok: true, stdout: 'garbage' } });
  const a = announcer(vtysh);
  await a.start();
  apply(a, ['203.0.113.1/32']);
  await new Promise((r) => setTimeout(r, 10));
  assert.match(a.problem() ?? '', /no closing "end"/);
  vtysh.answers['show running-config'] = { ok: true, stdout: RUNNING };
  vtysh.answers['show bgp neighbors json'] = { ok: true, stdout: NEIGHBORS };
  apply(a, ['203.0.113.1/32']);
  await settle(a);
  assert.equal(a.problem(), undefined);
});

test('no configuration yet: FRR is not touched; a drain withdraws every prefix of ours', async () => {
  const vtysh = new FakeVtysh({ 'show running-config': { ok: true, stdout: RUNNING }, 'show bgp neighbors json': { ok: true, stdout: NEIGHBORS } });
  const a = announcer(vtysh);
  await a.start();
  await a.shutdown(0, { restart: false });
  assert.deepEqual(vtysh.calls, []);

  const b = announcer(vtysh);
  await b.start();
  apply(b, ['203.0.113.1/32']);
  assert.deepEqual(await b.shutdown(0, { restart: false }), []);
  assert.deepEqual(vtysh.changes().at(-1), [
    'configure terminal', 'router bgp 64513', 'address-family ipv4 unicast', 'no network 203.0.113.1/32', 'exit-address-family',
    'address-family ipv6 unicast', 'no network 2001:db8:ff::1/128', 'exit-address-family', 'exit', 'end',
  ]);
});

test('attributes: one route-map per set of attributes, merged over the peers; GRACEFUL_SHUTDOWN while cordoned and on a drain; warnings named', async () => {
  const vtysh = new FakeVtysh({ 'show running-config': { ok: true, stdout: RUNNING }, 'show bgp neighbors json': { ok: true, stdout: NEIGHBORS } });
  const a = announcer(vtysh);
  let changed = 0;
  a.onSessionChange(() => changed++);
  await a.start();
  const p = mustParseCidr('203.0.113.3/32');
  const tor2 = { ...tor, name: 'tor2' } as BgpPeer;
  const routes = new Map([
    ['tor', [{ prefix: p, communities: [64512 * 0x10000 + 1], localPref: 150 }]],
    ['tor2', [{ prefix: p, largeCommunities: [{ globalAdmin: 64512, localData1: 1, localData2: 1 }] }]],
  ]);
  const adverts = [{ name: 'to-tor', pools: ['lab'], aggregationLength: 32, aggregationLengthV6: 128, localPref: 150, communities: [], peers: ['tor'], nodeSelectors: [], serviceSelectors: [] }];
  a.apply({ peers: [tor, tor2], identity: { name: 'n', addresses: [] }, routes, cordoned: false, pools, adverts });
  await new Promise((r) => setTimeout(r, 10));
  const lines = ['set community 64512:1 additive', 'set large-community 64512:1:1 additive', 'set local-preference 150'];
  const first = vtysh.changes().at(-1) ?? [];
  assert.deepEqual(first.slice(1, 6), [first[1], ...lines, 'exit']);
  assert.match(first[1] ?? '', /^route-map portside-[0-9a-f]{16} permit 10$/);
  assert.ok(first.includes(`network 203.0.113.3/32 route-map ${first[1]?.split(' ')[1]}`));
  assert.deepEqual(a.unhonoured().map((w) => `${w.kind}/${w.name} ${w.field}`), ['BGPAdvertisement/to-tor spec.peers']);
  assert.ok(changed >= 1, 'the warning rewrites ConfigurationState');

  a.apply({ peers: [tor], identity: { name: 'n', addresses: [] }, routes: new Map([['tor', [{ prefix: p }]]]), cordoned: true, pools });
  await new Promise((r) => setTimeout(r, 10));
  const cordoned = vtysh.changes().at(-1) ?? [];
  assert.deepEqual(cordoned.slice(2, 4), ['set community 65535:0 additive', 'set local-preference 0'], 'cordoned: GRACEFUL_SHUTDOWN');
  assert.deepEqual(a.unhonoured(), [], 'the warning clears');

  // A drain of an uncordoned node: GRACEFUL_SHUTDOWN for the grace period, then the withdrawal.
  vtysh.answers['show running-config'] = { ok: true, stdout: RUNNING.replace('network 203.0.113.1/32', 'network 203.0.113.4/32') };
  vtysh.answers['show running-config'] = { ok: true, stdout: RUNNING.replace('network 203.0.113.1/32', 'network 203.0.113.4/32') };
  const b = announcer(vtysh);
  await b.start();
  apply(b, ['203.0.113.4/32']);
  await new Promise((r) => setTimeout(r, 10));
  const before = vtysh.changes().length;
  await b.shutdown(20, { restart: false });
  const drain = vtysh.changes().slice(before);
  assert.equal(drain.length, 2);
  assert.ok(drain[0]?.includes('set community 65535:0 additive'));
  assert.ok(drain[0]?.some((l) => /^network 203\.0\.113\.4\/32 route-map portside-/.test(l)));
  assert.ok(drain[1]?.includes('no network 203.0.113.4/32'));
});
