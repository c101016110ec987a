// TCP-MD5 (RFC 2385) through the native addon against the real kernel: a node:net
// server on an md5Listen fd, clients from md5Connect. Needs root (network namespace).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isNativeAvailable, nativeAddonPath } from '../../native/index.ts';
import { Lab, requireRoot } from '../netns/index.ts';

const worker = fileURLToPath(new URL('./tcp-md5-worker.ts', import.meta.url));

const families = {
  IPv4: {
    addresses: ['198.51.100.1/32', '198.51.100.2/32', '198.51.100.3/32', '198.51.100.130/32', '198.51.100.4/32'],
    args: ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.128', '198.51.100.130', '198.51.100.4'],
  },
  IPv6: {
    addresses: ['2001:db8:200::1/128', '2001:db8:200::2/128', '2001:db8:200::3/128', '2001:db8:200::82/128', '2001:db8:200::4/128'],
    args: ['2001:db8:200::1', '2001:db8:200::2', '2001:db8:200::3', '2001:db8:200::80', '2001:db8:200::82', '2001:db8:200::4'],
  },
};

for (const [family, { addresses, args }] of Object.entries(families)) {
  test(`TCP-MD5 over ${family}: matching keys talk, wrong or missing keys never connect`, async (t) => {
    if (!requireRoot(t)) return;
    assert.ok(isNativeAvailable(), `native addon missing at ${nativeAddonPath}: run native/build.sh`);
    // One namespace, every address on its lo: no topology, so no lab builder.
    const lab = await Lab.create();
    t.after(() => lab.destroy());
    const ns = await lab.namespace(`md5${family === 'IPv4' ? '4' : '6'}`);
    for (const address of addresses) await ns.addAddress('lo', address);

    const run = ns.spawn(process.execPath, [worker, ...args], { name: 'md5-worker' });
    const timer = setTimeout(() => run.signal('SIGKILL'), 30_000);
    const { code } = await run.waitExit();
    clearTimeout(timer);
    assert.equal(code, 0, run.describe());

    const cases = new Map(run.jsonLines().map((m) => [m.case, m]));
    assert.equal(cases.get('matching-key')?.echoed, 'OPEN matching key', run.describe());
    assert.deepEqual(cases.get('wrong-key')?.connected, false, run.describe());
    assert.equal(cases.get('wrong-key')?.code, 'ETIMEDOUT', run.describe());
    assert.deepEqual(cases.get('no-key')?.connected, false, run.describe());
    assert.equal(cases.get('key-added-later')?.echoed, 'OPEN late key', run.describe());
    assert.equal(cases.get('prefix-key')?.echoed, 'OPEN prefix key', run.describe());
    assert.equal(cases.get('unkeyed-peer')?.connected, true, run.describe());
    // The wrong-key and unsigned attempts came from the matching client's address too.
    const from = cases.get('accepted')?.from as string[];
    assert.equal(from.filter((a) => a === args[1]).length, 1, run.describe());
  });
}
