// The lab itself: namespaces on a bridge reach each other, a switch port down silences a
// node, and destroy() leaves nothing behind — also after a router failed to start.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { startFrr } from '../routers/frr.ts';
import { waitFor } from '../wait.ts';
import { Lab, requireCommands, requireRoot, run, type Netns } from './index.ts';

async function namespacesWithPrefix(prefix: string): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(`${prefix}-`));
}

/** 'refused' proves the peer answered (RST); 'silent' means nothing came back in time. */
async function tcpProbe(ns: Netns, addr: string): Promise<'refused' | 'silent' | 'open'> {
  try {
    await ns.exec('timeout', ['1', 'bash', '-c', `exec 3<>/dev/tcp/${addr}/9`]);
    return 'open';
  } catch (err) {
    return /refused/i.test((err as Error).message) ? 'refused' : 'silent';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('lab: bridge, veth, silent port, neighbors, and a clean destroy', async (t) => {
  if (!requireRoot(t)) return;
  const lab = await Lab.create();
  t.after(() => lab.destroy());
  const began = Date.now();
  const lan = await lab.bridge('lan');
  const a = await lab.namespace('a');
  const b = await lab.namespace('b');
  const c = await lab.namespace('c');
  await lab.link(a, lan, { ifname: 'eth0', addrs: ['198.51.100.1/24', '2001:db8:100::1/64'], mac: '02:00:00:00:00:0a' });
  const bLink = await lab.link(b, lan, { ifname: 'eth0', addrs: ['198.51.100.2/24', '2001:db8:100::2/64'] });
  await lab.veth(a, c, { a: { ifname: 'to-c', addrs: ['203.0.113.1/30'] }, b: { ifname: 'to-a', addrs: ['203.0.113.2/30'] } });
  t.diagnostic(`lab with 4 namespaces built in ${Date.now() - began} ms`);

  await lab.dumpOnFailure(async () => {
    assert.equal(await tcpProbe(b, '198.51.100.1'), 'refused');
    assert.equal(await tcpProbe(b, '2001:db8:100::1'), 'refused'); // no DAD wait
    assert.equal(await tcpProbe(c, '203.0.113.1'), 'refused');
    assert.equal(await a.mac('eth0'), '02:00:00:00:00:0a');
    const neigh = await b.neighbors(4);
    assert.equal(neigh.find((n) => n.dst === '198.51.100.1')?.lladdr, '02:00:00:00:00:0a');

    await bLink.setDown();
    assert.equal(await tcpProbe(b, '198.51.100.1'), 'silent');
    await bLink.setUp();
    await waitFor(async () => (await tcpProbe(b, '198.51.100.1')) === 'refused', { what: 'b reaches a again' });
    // keep_addr_on_down: the IPv6 address survived the carrier loss.
    assert.ok((await b.addresses('eth0')).some((x) => x.local === '2001:db8:100::2'));

    await a.addRoute({ dst: '203.0.113.128/25', via: '203.0.113.2' });
    assert.deepEqual(await a.nextHops('203.0.113.128/25'), ['203.0.113.2']);
  });

  const sleeper = a.spawn('sleep', ['600']);
  assert.ok(alive(sleeper.pid));
  await lab.destroy();
  await lab.destroy(); // idempotent
  assert.equal(alive(sleeper.pid), false);
  assert.deepEqual(await namespacesWithPrefix(lab.prefix), []);
  assert.equal(existsSync(lab.dir), false);
});

test('lab: destroy cleans up after a router fails to start', async (t) => {
  if (!requireRoot(t) || !requireCommands(t, ['vtysh', '/usr/lib/frr/zebra'])) return;
  const lab = await Lab.create();
  t.after(() => lab.destroy());
  const ns = await lab.namespace('r');
  await assert.rejects(
    startFrr(lab, ns, { asn: 64512, routerId: '198.51.100.1', extraBgp: ['this-is-not-a-command'] }),
    /Unknown command|failed/,
  );
  const pids = lab.processes.map((p) => p.pid);
  assert.equal(pids.length, 3, 'zebra, bgpd and bfdd were started');
  await lab.destroy();
  assert.deepEqual(pids.filter(alive), []);
  assert.deepEqual(await namespacesWithPrefix(lab.prefix), []);
  assert.equal(existsSync(`/var/run/frr/${ns.name}-frr`), false);
});
