// The protobuf decoder on answers made by hand (e2e/k8s/protobuf.apiserver.test.ts checks it
// against a real API server's): values the server would not send are refused as ProtobufErrors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeList, ProtobufError, SERVICE_LIST, statusText, whole } from './protobuf.ts';

function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? b | 0x80 : b);
  } while (v);
  return out;
}
const field = (n: number, bytes: number[]): number[] => [...varint(BigInt(n << 3 | 2)), ...varint(BigInt(bytes.length)), ...bytes];
const num = (n: number, v: bigint): number[] => [...varint(BigInt(n << 3)), ...varint(v)];
const text = (n: number, s: string): number[] => field(n, [...Buffer.from(s)]);
const envelope = (kind: string, raw: number[]): Buffer => Buffer.from([0x6b, 0x38, 0x73, 0x00, ...field(1, text(2, kind)), ...field(2, raw)]);

/** A ServiceList of one Service named `svc`, created at `seconds`, with one port (and `extra` bytes for each part). */
function list(seconds: bigint, port: bigint, extra: { meta?: number[]; spec?: number[]; status?: number[]; svc?: number[] } = {}): Buffer {
  const meta = [...text(1, 'svc'), ...text(3, 'default'), ...field(8, num(1, seconds)), ...extra.meta ?? []];
  const spec = [...field(1, [...num(3, port), ...extra.spec ?? []]), ...text(4, 'LoadBalancer')];
  const status = extra.status ? [...field(3, extra.status)] : [];
  return envelope('ServiceList', [...field(1, text(2, '42')), ...field(2, [...field(1, meta), ...field(2, spec), ...status, ...extra.svc ?? []])]);
}

test('decodeList: a Service made by hand decodes as the JSON would give it; negative int32s come as 10-byte varints', () => {
  const got = decodeList(list(1733500000n, -1n), SERVICE_LIST);
  assert.deepEqual(got, {
    metadata: { resourceVersion: '42' },
    items: [{
      metadata: { name: 'svc', namespace: 'default', creationTimestamp: '2024-12-06T15:46:40Z' },
      spec: { ports: [{ port: -1, targetPort: 0 }], type: 'LoadBalancer' },
      status: { loadBalancer: {} },
    }],
  });
});

test('decodeList: a time outside the years 1–9999 is refused as a ProtobufError, not a RangeError', () => {
  for (const seconds of [2n ** 60n, 253402300800n, -62135596801n, -(2n ** 62n)]) {
    assert.throws(() => decodeList(list(seconds, 80n), SERVICE_LIST), (err: unknown) => err instanceof ProtobufError && /outside the years 1–9999/.test(err.message));
  }
  // The zero time is JSON's null: a creationTimestamp left out.
  assert.equal(decodeList<{ metadata: Record<string, unknown> }>(list(-62135596800n, 80n), SERVICE_LIST).items[0]!.metadata.creationTimestamp, undefined);
});

test('statusText: a protobuf Status as its JSON; anything else undefined', () => {
  const status = envelope('Status', [...text(2, 'Failure'), ...text(3, 'services is forbidden'), ...text(4, 'Forbidden'), ...num(6, 403n)]);
  assert.deepEqual(JSON.parse(statusText(status)!), { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'services is forbidden', reason: 'Forbidden', code: 403 });
  assert.equal(statusText(Buffer.from('{"kind":"Status"}')), undefined);
  assert.equal(statusText(list(0n, 80n)), undefined);
  assert.equal(statusText(status.subarray(0, status.length - 3)), undefined);
});

test('whole: an item is partial when a field of its metadata or status, or of the Service, was stepped over; not for managedFields or the spec', () => {
  const one = (b: Buffer): object => decodeList<object>(b, SERVICE_LIST).items[0]!;
  assert.equal(whole(one(list(0n, 80n))), true);
  // managedFields (17) is never read; the spec is kept by the server on a status write.
  assert.equal(whole(one(list(0n, 80n, { meta: field(17, text(1, 'kubectl')) }))), true);
  assert.equal(whole(one(list(0n, 80n, { spec: text(99, 'new port field') }))), true);
  // A newer server's field where a replace would send the object back without it.
  assert.equal(whole(one(list(0n, 80n, { meta: text(30, 'new meta field') }))), false);
  assert.equal(whole(one(list(0n, 80n, { status: text(9, 'new status field') }))), false);
  assert.equal(whole(one(list(0n, 80n, { status: field(2, text(7, 'new condition field')) }))), false);
  assert.equal(whole(one(list(0n, 80n, { svc: text(4, 'new Service field') }))), false);
  // Per item: the next list's item is whole again; JSON objects are whole.
  assert.equal(whole(one(list(0n, 80n))), true);
  assert.equal(whole({ metadata: {} }), true);
});
