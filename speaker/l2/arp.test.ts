import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  ArpOperation,
  arpReplyFor,
  decodeArp,
  decodeArpFrame,
  encodeArp,
  gratuitousArpReply,
  gratuitousArpRequest,
  type ArpPacket,
} from './arp.ts';

const request: ArpPacket = {
  operation: ArpOperation.Request,
  senderMac: '2e:af:d4:d0:37:74',
  senderIp: '198.51.100.1',
  targetMac: '00:00:00:00:00:00',
  targetIp: '198.51.100.100',
};

// A who-has from Linux 6.18 captured by responder.netns.test.ts: 42 bytes, unpadded.
const capturedRequest = Buffer.from(
  'ffffffffffff2eafd4d03774080600010800060400012eafd4d03774c6336401000000000000c6336464',
  'hex',
);

test('a captured ARP request decodes', () => {
  const got = decodeArpFrame(capturedRequest);
  assert.ok(got.ok);
  assert.deepEqual(got.value.arp, request);
  assert.equal(got.value.ethernet.destination, 'ff:ff:ff:ff:ff:ff');
});

test('ARP packets round-trip', () => {
  const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
  const ip = fc.ipV4();
  fc.assert(
    fc.property(fc.constantFrom(ArpOperation.Request, ArpOperation.Reply), mac, ip, mac, ip, (operation, sm, si, tm, ti) => {
      const packet: ArpPacket = { operation, senderMac: sm, senderIp: si, targetMac: tm, targetIp: ti };
      const got = decodeArp(encodeArp(packet));
      assert.ok(got.ok);
      assert.deepEqual(got.value, packet);
    }),
  );
});

test('a reply claims the target IP for our MAC and goes back to the asker', () => {
  const got = decodeArpFrame(arpReplyFor(request, '02:00:5e:00:53:64'));
  assert.ok(got.ok);
  assert.equal(got.value.ethernet.destination, request.senderMac);
  assert.equal(got.value.ethernet.source, '02:00:5e:00:53:64');
  assert.deepEqual(got.value.arp, {
    operation: ArpOperation.Reply,
    senderMac: '02:00:5e:00:53:64',
    senderIp: '198.51.100.100',
    targetMac: request.senderMac,
    targetIp: request.senderIp,
  });
});

test('gratuitous ARP request and reply are broadcast with sender IP = target IP', () => {
  for (const [build, operation] of [
    [gratuitousArpRequest, ArpOperation.Request],
    [gratuitousArpReply, ArpOperation.Reply],
  ] as const) {
    const got = decodeArpFrame(build('02:00:5e:00:53:64', '198.51.100.100'));
    assert.ok(got.ok);
    assert.equal(got.value.ethernet.destination, 'ff:ff:ff:ff:ff:ff');
    assert.equal(got.value.arp.operation, operation);
    assert.equal(got.value.arp.senderIp, '198.51.100.100');
    assert.equal(got.value.arp.targetIp, '198.51.100.100');
    assert.equal(got.value.arp.senderMac, '02:00:5e:00:53:64');
  }
});

test('bad ARP is a typed error', () => {
  const cases: [Buffer, string][] = [
    [capturedRequest.subarray(14, 30), 'truncated'],
    [Buffer.from('0006080006040001', 'hex'), 'unsupported'], // IEEE 802 hardware
    [Buffer.from('0001080006060001', 'hex'), 'malformed'],
    [Buffer.from('0001080006040003', 'hex'), 'unsupported'], // RARP request
  ];
  for (const [bytes, reason] of cases) {
    const got = decodeArp(bytes);
    assert.ok(!got.ok);
    assert.equal(got.error.reason, reason);
  }
  const ipv6Frame = Buffer.from(capturedRequest);
  ipv6Frame.writeUInt16BE(0x86dd, 12);
  const got = decodeArpFrame(ipv6Frame);
  assert.ok(!got.ok && got.error.reason === 'unsupported');
});

test('encodeArp rejects malformed addresses with TypeError', () => {
  assert.throws(() => encodeArp({ ...request, senderIp: '198.51.100.300' }), TypeError);
  assert.throws(() => encodeArp({ ...request, targetMac: 'nope' }), TypeError);
});

test('fuzz: ARP decoders never throw on random bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      for (const got of [decodeArp(bytes), decodeArpFrame(bytes)]) assert.ok(got.ok || got.error.kind === 'l2-decode-error');
    }),
    { numRuns: 3000 },
  );
  // Bias towards a valid header so the deeper branches get exercised too.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (tail) => {
      const bytes = Buffer.concat([Buffer.from('000108000604', 'hex'), tail]);
      const got = decodeArp(bytes);
      assert.ok(got.ok || got.error.kind === 'l2-decode-error');
    }),
    { numRuns: 3000 },
  );
});
