// The protobuf decoder on answers made by hand (e2e/k8s/protobuf.apiserver.test.ts checks it
// against a real API server's): values the server would not send are refused as ProtobufErrors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeList, ProtobufError, SERVICE_LIST, statusText } from './protobuf.ts';

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

/** A ServiceList of one Service named `svc`, created at `seconds`, with one port. */
function list(seconds: bigint, port: bigint): Buffer {
  const meta = [...text(1, 'svc'), ...text(3, 'default'), ...field(8, num(1, seconds))];
  const spec = [...field(1, [...num(3, port)]), ...text(4, 'LoadBalancer')];
  return envelope('ServiceList', [...field(1, text(2, '42')), ...field(2, [...field(1, meta), ...field(2, spec)])]);
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
