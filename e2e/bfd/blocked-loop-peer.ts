// The far end for blocked-loop.loopback.test.ts, in a worker thread so it keeps sending while
// the test blocks the main thread's event loop: a BfdManager on 127.0.0.2 (free port) with one
// session to the test's manager. Posts { port } once listening, then { up: true }, and
// { sent: Date.now() } for each control packet it sends (the test counts what was on its way).
import { parentPort, workerData } from 'node:worker_threads';
import { BfdManager } from '../../speaker/bfd/manager.ts';
import { BfdStats } from '../../speaker/bfd/metrics.ts';
import type { BFDProfileSpec } from '../../lib/config/index.ts';

const { peer, local, peerPort, profile } = workerData as { peer: string; local: string; peerPort: number; profile: BFDProfileSpec };
/** Tells the test when each packet left. */
class SendClock extends BfdStats {
  override controlPacketOutput(peer: string): void {
    parentPort?.postMessage({ sent: Date.now() });
    super.controlPacketOutput(peer);
  }
}
const manager = new BfdManager({ port: 0, stats: new SendClock() });
parentPort?.postMessage({ port: await manager.listenPort(4) });
const session = await manager.addSession({ peer, local, remotePort: peerPort, profile });
session.on('up', () => parentPort?.postMessage({ up: true }));
parentPort?.on('message', (m: { close?: boolean }) => {
  if (m.close) void manager.close({ silently: true }).then(() => parentPort?.close());
});
