// The far end for blocked-loop.loopback.test.ts, in a worker thread so it keeps sending while
// the test blocks the main thread's event loop: a BfdManager on 127.0.0.2 (free port) with one
// session to the test's manager. Posts { port } once listening, then { up: true }.
import { parentPort, workerData } from 'node:worker_threads';
import { BfdManager } from '../../speaker/bfd/manager.ts';
import type { BFDProfileSpec } from '../../lib/config/index.ts';

const { peer, local, peerPort, profile } = workerData as { peer: string; local: string; peerPort: number; profile: BFDProfileSpec };
const manager = new BfdManager({ port: 0 });
parentPort?.postMessage({ port: await manager.listenPort(4) });
const session = await manager.addSession({ peer, local, remotePort: peerPort, profile });
session.on('up', () => parentPort?.postMessage({ up: true }));
parentPort?.on('message', (m: { close?: boolean }) => {
  if (m.close) void manager.close({ silently: true }).then(() => parentPort?.close());
});
