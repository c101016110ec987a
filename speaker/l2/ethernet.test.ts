import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeEthernet, encodeEthernet, ETHERNET_MIN_FRAME_LENGTH, ETHERTYPE_ARP, type EthernetFrame } from './ethernet.ts';

const frame: EthernetFrame = {
  destination: 'ff:ff:ff:ff:ff:ff',
  source: '02:00:5e:00:53:01',
  etherType: ETHERTYPE_ARP,
  payload: Uint8Array.of(1, 2, 3),
};

test('an Ethernet frame pads to the minimum and decodes back', () => {
  const bytes = encodeEthernet(frame);
  assert.equal(bytes.length, ETHERNET_MIN_FRAME_LENGTH);
  const got = decodeEthernet(bytes);
  assert.ok(got.ok);
  assert.equal(got.value.destination, frame.destination);
  assert.equal(got.value.source, frame.source);
  assert.equal(got.value.etherType, ETHERTYPE_ARP);
  assert.deepEqual([...got.value.payload.subarray(0, 3)], [1, 2, 3]);
});

test('an 802.1Q tag is read and written', () => {
  const got = decodeEthernet(encodeEthernet({ ...frame, vlan: 42 }));
  assert.ok(got.ok);
  assert.equal(got.value.vlan, 42);
  assert.equal(got.value.etherType, ETHERTYPE_ARP);
});

test('short and 802.3 frames are errors, not exceptions', () => {
  const short = decodeEthernet(new Uint8Array(13));
  assert.ok(!short.ok && short.error.reason === 'truncated');
  const llc = new Uint8Array(60);
  llc[12] = 0x00;
  llc[13] = 0x2e;
  const got = decodeEthernet(llc);
  assert.ok(!got.ok && got.error.reason === 'unsupported');
});

test('decodeEthernet reads a Buffer at a non-zero offset of a pooled ArrayBuffer', () => {
  const bytes = encodeEthernet(frame);
  const pooled = Buffer.concat([Buffer.alloc(7, 0xaa), bytes]).subarray(7);
  const got = decodeEthernet(pooled);
  assert.ok(got.ok && got.value.etherType === ETHERTYPE_ARP);
});

test('fuzz: decodeEthernet never throws', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      const got = decodeEthernet(bytes);
      assert.ok(got.ok || got.error.kind === 'l2-decode-error');
    }),
    { numRuns: 2000 },
  );
});
