// Micro-benchmark (not a test): time to assign N Services in a /16 and a /64, and churn after.
// Run: node bench/drivers/allocator-micro.ts
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { BitField } from '@thi.ng/bitfield';
import { Allocator } from '../../operator/allocator/allocator.ts';
import { Bitmap } from '../../operator/allocator/bitmap.ts';
import { pool, svc } from '../../operator/allocator/fixtures.ts';

function bench(label: string, cidr: string, family: 4 | 6, count: number): void {
  const a = new Allocator();
  a.setPools([pool('bench', [cidr])]);
  const services = Array.from({ length: count }, (_, i) => svc(`bench/s${i}`, { families: [family] }));
  let t = performance.now();
  for (const s of services) {
    const r = a.assign(s);
    if (!r.ok) throw new Error(`${s.key}: ${r.reason.message}`, { cause: r.reason });
  }
  const fill = performance.now() - t;
  // Idempotent pass: every Service re-assigned with the same knobs (a resync).
  t = performance.now();
  for (const s of services) a.assign(s);
  const resync = performance.now() - t;
  // Churn: free every 50th Service, then fill the holes again (lowest-free search into gaps).
  const churn = services.filter((_, i) => i % 50 === 0);
  t = performance.now();
  for (const s of churn) a.release(s.key);
  for (const s of churn) a.assign({ ...s, key: `${s.key}-again` });
  const churnMs = performance.now() - t;
  const us = (ms: number, n: number) => `${((ms * 1000) / n).toFixed(1)} µs/op`;
  console.log(
    `${label.padEnd(4)} ${String(count).padStart(6)} Services: assign ${fill.toFixed(0).padStart(5)} ms (${us(fill, count)}), ` +
    `resync ${resync.toFixed(0)} ms (${us(resync, count)}), churn ${churn.length}×2 ${churnMs.toFixed(0)} ms (${us(churnMs, churn.length * 2)})`,
  );
}

console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (timings scale with it)`);
for (const count of [5_000, 50_000]) {
  bench('/16', '100.64.0.0/16', 4, count);
  bench('/64', '2001:db8::/64', 6, count);
}

// The free-address search alone: a /16 full but for its last address, searched from the start.
function searchBench(): void {
  const size = 1 << 16;
  const flat = new BitField(size);
  const tree = new Bitmap(size);
  for (let i = 0; i < size - 1; i++) { flat.setAt(i); tree.set(i); }
  const n = 20_000;
  let t = performance.now();
  for (let i = 0; i < n; i++) if (flat.firstZero(0) !== size - 1) throw new Error('flat');
  const flatNs = ((performance.now() - t) * 1e6) / n;
  t = performance.now();
  for (let i = 0; i < n; i++) if (tree.firstClear(0) !== size - 1) throw new Error('tree');
  const treeNs = ((performance.now() - t) * 1e6) / n;
  console.log(`first free in a full /16: BitField.firstZero ${flatNs.toFixed(0)} ns, Bitmap.firstClear (levels) ${treeNs.toFixed(0)} ns`);
}
searchBench();
