import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capMask, failureGaps, inCidr, procCpu } from './helpers.ts';

test('failureGaps: runs of failed requests across back-to-back records, timed between the answers around them', () => {
  const a = { answers: ['n1', '', '', 'n2'], at: [100, 1100, 2100, 2200] };
  const b = { answers: ['', 'n2', 'n2', ''], at: [3200, 3300, 3400, 4400] };
  assert.deepEqual(failureGaps([a, b]), [
    { failed: 2, ms: 2100 },
    { failed: 1, ms: 1100 },
    { failed: 1, ms: 1000 },
  ]);
  assert.deepEqual(failureGaps([{ answers: ['n1', 'n1'], at: [1, 2] }]), []);
  assert.deepEqual(failureGaps([{ answers: ['', ''], at: [5, 9] }]), [{ failed: 2, ms: 4 }]);
});

test('capMask and inCidr', () => {
  assert.equal(capMask(['NET_ADMIN', 'NET_RAW', 'NET_BIND_SERVICE']), 0x3400n);
  assert.throws(() => capMask(['SYS_TIME']), /SYS_TIME/);
  assert.ok(inCidr('198.51.100.241', '198.51.100.240/28'));
  assert.ok(!inCidr('198.51.100.239', '198.51.100.240/28'));
});

test('procCpu reads this process: some CPU, a positive age', () => {
  const { cpuS, ageS } = procCpu(process.pid);
  assert.ok(cpuS > 0 && ageS > 0 && ageS < 3600 * 24 * 365, `${cpuS} ${ageS}`);
});
