// Real kernels answer to Portside's ARP/NDP replies: a worker in one namespace answers
// through the native raw sockets, and the neighbour table in the other namespace must
// then hold the made-up MAC. Needs root (network namespaces, raw sockets).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildLab } from '../lab/builder.ts';
import { Lab, requireRoot, type Netns } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import { isNativeAvailable, nativeAddonPath } from '../../native/index.ts';

const worker = fileURLToPath(new URL('./l2-responder-worker.ts', import.meta.url));
const VIP4 = '198.51.100.100';
const VIP6 = '2001:db8:200::100';
const VIP_MAC = '02:00:5e:00:53:64';

interface NeighborEntry {
  dst: string;
  lladdr?: string;
  state?: string[];
}

async function neighbor(ns: Netns, family: '-4' | '-6', address: string): Promise<NeighborEntry | undefined> {
  const entries = await ns.ipJson<NeighborEntry[]>([family, 'neigh', 'show', 'to', address, 'dev', 'eth0']);
  return entries.find((e) => e.lladdr !== undefined);
}

/** Any datagram to the address makes the kernel resolve it (ping is not installed here). */
function poke(ns: Netns, address: string): Promise<unknown> {
  return ns.exec('bash', ['-c', `echo portside > /dev/udp/${address}/9`]).catch(() => undefined);
}

test('ARP and NDP answered through the native raw sockets reach a real neighbour table', async (t) => {
  if (!requireRoot(t)) return;
  assert.ok(isNativeAvailable(), `native addon missing at ${nativeAddonPath}: run native/build.sh`);

  const lab = await Lab.create();
  t.after(() => lab.destroy());
  const { nodes: [speaker], clients: { client } } = await buildLab(lab, {
    lan: { v4: '198.51.100.0/24', v6: '2001:db8:200::/64' },
    nodes: { count: 1, first: 2, name: () => 'speaker' },
    clients: { client: { host: 1 } },
  });
  assert.ok(speaker);

  const responder = speaker.ns.spawn(process.execPath, [worker, 'eth0', VIP4, VIP6, VIP_MAC], { name: 'responder' });
  await waitFor(() => responder.jsonLines().some((m) => m.event === 'ready') || !responder.running, {
    what: 'responder ready',
  });
  assert.equal(responder.running, true, responder.describe());

  await t.test('ARP: the client learns the VIP at the made-up MAC', async () => {
    const entry = await waitFor(
      async () => {
        await poke(client.ns, VIP4);
        const e = await neighbor(client.ns, '-4', VIP4);
        return e?.lladdr === VIP_MAC ? e : undefined;
      },
      { what: `ARP entry ${VIP4} lladdr ${VIP_MAC}`, timeoutMs: 10_000, intervalMs: 200 },
    ).catch((err: Error) => assert.fail(`${err.message}\n${responder.describe()}`));
    assert.equal(entry.dst, VIP4);
    assert.ok(responder.jsonLines().some((m) => m.event === 'arp-replied' && m.to === '198.51.100.1'));
  });

  await t.test('NDP: the client learns the VIP at the made-up MAC', async () => {
    const entry = await waitFor(
      async () => {
        await poke(client.ns, VIP6);
        const e = await neighbor(client.ns, '-6', VIP6);
        return e?.lladdr === VIP_MAC ? e : undefined;
      },
      { what: `NDP entry ${VIP6} lladdr ${VIP_MAC}`, timeoutMs: 10_000, intervalMs: 200 },
    ).catch((err: Error) => assert.fail(`${err.message}\n${responder.describe()}`));
    assert.equal(entry.dst, VIP6);
    assert.ok(responder.jsonLines().some((m) => m.event === 'ns-answered' && m.from === '2001:db8:200::1'));
  });

  responder.signal('SIGTERM');
  assert.equal((await responder.waitExit()).code, 0, responder.describe());
});
