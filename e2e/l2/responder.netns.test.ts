// Real kernels answer to Portside's ARP/NDP replies: a worker in one namespace answers
// through the native raw sockets, and the neighbour table in the other namespace must
// then hold the made-up MAC. Needs root (network namespaces, raw sockets).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../wait.ts';
import { isNativeAvailable, nativeAddonPath } from '../../native/index.ts';
import { NetnsLab, requireRoot, run, type NodeWorker } from './netns.ts';

const worker = fileURLToPath(new URL('./l2-responder-worker.ts', import.meta.url));
const VIP4 = '198.51.100.100';
const VIP6 = '2001:db8:200::100';
const VIP_MAC = '02:00:5e:00:53:64';

interface NeighborEntry {
  dst: string;
  lladdr?: string;
  state?: string[];
}

const lab = new NetnsLab();
after(() => lab.cleanup());

async function neighbor(ns: string, family: '-4' | '-6', address: string): Promise<NeighborEntry | undefined> {
  const out = await run('ip', ['-n', ns, family, '-j', 'neigh', 'show', 'to', address, 'dev', 'veth-client']);
  const entries = JSON.parse(out || '[]') as NeighborEntry[];
  return entries.find((e) => e.lladdr !== undefined);
}

/** Any datagram to the address makes the kernel resolve it (ping is not installed here). */
function poke(ns: string, address: string): Promise<unknown> {
  return lab.exec(ns, 'bash', ['-c', `echo portside > /dev/udp/${address}/9`]).catch(() => undefined);
}

test('ARP and NDP answered through the native raw sockets reach a real neighbour table', async (t) => {
  if (!requireRoot(t)) return;
  assert.ok(isNativeAvailable(), `native addon missing at ${nativeAddonPath}: run native/build.sh`);

  const client = await lab.addNamespace('client');
  const speaker = await lab.addNamespace('speaker');
  await run('ip', ['-n', client, 'link', 'add', 'veth-client', 'type', 'veth', 'peer', 'name', 'veth-speaker', 'netns', speaker]);
  await lab.exec(client, 'ip', ['addr', 'add', '198.51.100.1/24', 'dev', 'veth-client']);
  await lab.exec(client, 'ip', ['addr', 'add', '2001:db8:200::1/64', 'dev', 'veth-client']);
  await lab.exec(speaker, 'ip', ['addr', 'add', '198.51.100.2/24', 'dev', 'veth-speaker']);
  await lab.exec(speaker, 'ip', ['addr', 'add', '2001:db8:200::2/64', 'dev', 'veth-speaker']);
  await lab.exec(client, 'ip', ['link', 'set', 'veth-client', 'up']);
  await lab.exec(speaker, 'ip', ['link', 'set', 'veth-speaker', 'up']);

  const responder: NodeWorker = lab.spawnNode(speaker, worker, ['veth-speaker', VIP4, VIP6, VIP_MAC]);
  await waitFor(() => responder.messages().some((m) => m.event === 'ready') || responder.child.exitCode !== null, {
    what: 'responder ready',
  });
  assert.equal(responder.child.exitCode, null, responder.describe());

  await t.test('ARP: the client learns the VIP at the made-up MAC', async () => {
    const entry = await waitFor(
      async () => {
        await poke(client, VIP4);
        const e = await neighbor(client, '-4', VIP4);
        return e?.lladdr === VIP_MAC ? e : undefined;
      },
      { what: `ARP entry ${VIP4} lladdr ${VIP_MAC}`, timeoutMs: 10_000, intervalMs: 200 },
    ).catch((err: Error) => assert.fail(`${err.message}\n${responder.describe()}`));
    assert.equal(entry.dst, VIP4);
    assert.ok(responder.messages().some((m) => m.event === 'arp-replied' && m.to === '198.51.100.1'));
  });

  await t.test('NDP: the client learns the VIP at the made-up MAC', async () => {
    const entry = await waitFor(
      async () => {
        await poke(client, VIP6);
        const e = await neighbor(client, '-6', VIP6);
        return e?.lladdr === VIP_MAC ? e : undefined;
      },
      { what: `NDP entry ${VIP6} lladdr ${VIP_MAC}`, timeoutMs: 10_000, intervalMs: 200 },
    ).catch((err: Error) => assert.fail(`${err.message}\n${responder.describe()}`));
    assert.equal(entry.dst, VIP6);
    assert.ok(responder.messages().some((m) => m.event === 'ns-answered' && m.from === '2001:db8:200::1'));
  });

  responder.child.kill('SIGTERM');
  assert.equal(await responder.exited, 0, responder.describe());
});
