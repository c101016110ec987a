// Benchmark (not a test): the client CPU of one Event, as the controller writes them after a
// backlog (an EventQueue of 32 in flight, refilled 16 at a time, over an EventRecorder), against a
// real kube-apiserver: the recorder as shipped (pre-rendered body, RequestPipeline) and the way before it (an
// object per Event through JsonClient.request, node:http's agent), interleaved rounds, this
// process's CPU (user + system) per Event and the wall time. BENCH_EVENTS (default 5000),
// BENCH_ROUNDS (default 3), BENCH_WAYS (default `pipeline,node:http`), BENCH_EVENT_SHAPES
// (`inFlight/refillAt/connections` per shape, `,` between shapes, each run in turn per round
// for the pipeline way; default `32/16/8`, the controller's after its writes).
import { loadavg } from 'node:os';
import { startControlPlane } from '../e2e/controlplane.ts';
import { envWholeNumber, numberOrExit } from '../lib/cli/numbers.ts';
import { corePath, EventQueue, EventRecorder, KubeApi, RequestPipeline } from '../lib/k8s/index.ts';
import type { EventTarget, EventType } from '../lib/k8s/index.ts';

const N = numberOrExit(envWholeNumber(process.env, 'BENCH_EVENTS', 5000, { min: 1 }), 'bench events');
const ROUNDS = numberOrExit(envWholeNumber(process.env, 'BENCH_ROUNDS', 3, { min: 1 }), 'bench events');

/** The recorder's create as it was: an object per Event, JSON.stringify, node:http. */
function objectPath(api: KubeApi): Pick<EventRecorder, 'record'> {
  let seq = 0;
  return {
    async record(obj: EventTarget, type: EventType, reason: string, message: string) {
      const namespace = obj.metadata?.namespace ?? 'default';
      const now = new Date().toISOString();
      await api.json.request('POST', corePath('events', namespace), {
        body: {
          metadata: { name: `${obj.metadata?.name}.old${(seq++).toString(16)}`, namespace },
          involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name, namespace, uid: obj.metadata?.uid },
          type, reason, message,
          source: { component: 'portside-controller' }, reportingComponent: 'portside-controller', reportingInstance: '',
          firstTimestamp: now, lastTimestamp: now, count: 1,
        },
        discardBody: true,
      });
    },
  };
}

const cp = await startControlPlane();
try {
  const setup = new KubeApi(cp.clusterConfig);
  const ns = `bench-events-${Date.now().toString(36)}`;
  await setup.json.create('/api/v1/namespaces', { metadata: { name: ns } });
  const lines: string[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const shapes = (process.env.BENCH_EVENT_SHAPES ?? '32/16/8').split(',').map((text) => {
      const shape = text.split('/').map(Number);
      if (shape.length !== 3 || !shape.every((n) => Number.isInteger(n) && n >= 0)) throw new Error(`BENCH_EVENT_SHAPES: ${text} is not inFlight/refillAt/connections`);
      return shape as [number, number, number];
    });
    const runs = (process.env.BENCH_WAYS ?? 'pipeline,node:http').split(',').flatMap((way) => (way === 'pipeline' ? shapes.map((shape) => ({ way, shape })) : [{ way, shape: shapes[0]! }]));
    for (const { way, shape: [inFlight, refillAt, connections] } of runs) {
      const api = new KubeApi(cp.clusterConfig);
      // The shape's connection count for the recorder's pipeline (KubeApi makes 8).
      Object.defineProperty(api, 'pipeline', { value: new RequestPipeline(api.json, { connections }) });
      const recorder = way === 'pipeline' ? new EventRecorder(api, { component: 'portside-controller' }) : objectPath(api);
      let done = 0;
      let finished: () => void = () => {};
      const all = new Promise<void>((resolve) => (finished = resolve));
      const counted: Pick<EventRecorder, 'record'> = {
        record: (...args) => recorder.record(...args).finally(() => ++done === N && finished()),
      };
      const queue = new EventQueue(counted, { inFlight, refillAt });
      const load = loadavg()[0]!.toFixed(1);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < N; i++) {
        queue.record({ apiVersion: 'v1', kind: 'Service', metadata: { name: `lb${i}`, namespace: ns, uid: `uid-${i}` } },
          'Normal', 'IPAllocated', `Assigned IP 2001:db8:b::${i.toString(16)} from pool bench`);
      }
      await all;
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      lines.push(`round ${round}, ${way}${way === 'pipeline' ? ` ${inFlight}/${refillAt}/${connections}` : ''}: ${N} Events in ${(ms / 1000).toFixed(2)} s, client CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s = ${((cpu.user + cpu.system) / N).toFixed(0)} µs per Event (user ${(cpu.user / N).toFixed(0)}, system ${(cpu.system / N).toFixed(0)}); load ${load}`);
      console.log(lines.at(-1));
      await api.close();
      await setup.json.request('DELETE', `/api/v1/namespaces/${ns}/events`, { discardBody: true, timeoutMs: 120_000 });
    }
  }
  await setup.close();
} finally {
  await cp.stop();
}
