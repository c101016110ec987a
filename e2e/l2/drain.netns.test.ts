// drain() of a packet socket hands over its whole queue, not one wake-up's share (64): a
// responder taking an IP after a stall of its own must not answer, as the new owner, the
// requests its last owner answered while they waited here. A worker in one namespace stalls
// its loop; 150 ARP requests arrive from another meanwhile; one drain() must hand over all
// of them. Needs root (network namespaces, raw sockets).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildLab } from '../lab/builder.ts';
import { Lab, requireRoot } from '../netns/index.ts';
import { waitFor } from '../wait.ts';

const worker = fileURLToPath(new URL('./drain-worker.ts', import.meta.url));
/** More than one wake-up reads (64), fewer than a default receive buffer holds. */
const BURST = 150;

test('a packet socket\'s drain() hands over everything queued during a stall, not one wake-up\'s share', async (t) => {
  if (!requireRoot(t)) return;
  const lab = await Lab.create();
  t.after(() => lab.destroy());
  const { nodes: [node], clients: { client } } = await buildLab(lab, {
    lan: { v4: '198.51.100.0/24' },
    nodes: { count: 1, first: 2, name: () => 'holder' },
    clients: { client: { host: 1 } },
  });
  assert.ok(node);
  const flag = join(lab.dir, 'sent');
  const hold = node.ns.spawn(process.execPath, [worker, 'hold', 'eth0', flag], { name: 'hold' });
  await waitFor(() => hold.jsonLines().some((m) => m.event === 'ready') || !hold.running, { what: 'worker ready' });
  assert.equal(hold.running, true, hold.describe());
  hold.signal('SIGUSR2');
  await client.ns.exec(process.execPath, [worker, 'burst', 'eth0', String(BURST)]);
  writeFileSync(flag, '');
  const line = await waitFor(() => hold.jsonLines<{ event: string; drained: number; before: number }>().find((m) => m.event === 'drained'), { what: 'drained' });
  assert.equal(line.before, 0, 'nothing of the burst was read before the stall');
  assert.equal(line.drained, BURST, `one drain() handed over ${line.drained} of the ${BURST} queued requests`);
});
