// host-frr connected mode's interface (speaker/frr/interface-addresses.ts) with the real `ip`,
// in a namespace of its own: created when absent as the configured link type (a dummy, or an
// ifb where the kernel has no dummy module: $PORTSIDE_HOST_FRR_INTERFACE_KIND), /32 and /128
// added and removed, and a kernel without the link type is an error that says what to do.
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { IprouteInterface } from '../../speaker/frr/interface-addresses.ts';
import { Lab, requireRoot } from '../netns/index.ts';

test('host-frr interface: created as the configured link type, addresses added and removed; no kernel support is a clear error', async (t) => {
  if (!requireRoot(t)) return;
  const lab = await Lab.create();
  t.after(() => lab.destroy());
  const ns = await lab.namespace('node');
  const ipInNs = join(lab.dir, 'ip-in-ns');
  await writeFile(ipInNs, `#!/bin/sh\nexec ip -n '${ns.name}' "$@"\n`);
  await chmod(ipInNs, 0o755);
  const kernelHasDummy = await ns.ip(['link', 'add', 'probe0', 'type', 'dummy']).then(() => true, () => false);
  if (kernelHasDummy) await ns.ip(['link', 'del', 'probe0']);

  const dummy = new IprouteInterface('portside0', ipInNs, 'dummy');
  assert.deepEqual(await dummy.list(), { ok: true, value: undefined }, 'absent: no addresses, not an error');
  const made = await dummy.ensure();
  if (kernelHasDummy) {
    assert.deepEqual(made, { ok: true, value: undefined });
    await ns.ip(['link', 'del', 'portside0']);
    t.diagnostic('this kernel has dummy interfaces: portside0 created as a dummy');
  } else {
    assert.ok(!made.ok);
    assert.match(made.error, /^cannot create the dummy interface portside0: this kernel has no dummy support \(modprobe dummy\), so create portside0 on the node yourself, use --host-frr-interface lo, or set \$PORTSIDE_HOST_FRR_INTERFACE_KIND/);
    t.diagnostic(`this kernel has no dummy interfaces: ${made.error}`);
  }

  const ifb = new IprouteInterface('portside0', ipInNs, 'ifb');
  assert.deepEqual(await ifb.ensure(), { ok: true, value: undefined });
  const { stdout } = await ns.ip(['-d', '-j', 'link', 'show', 'dev', 'portside0']);
  const [link] = JSON.parse(stdout) as { operstate?: string; flags?: string[]; linkinfo?: { info_kind?: string } }[];
  assert.equal(link?.linkinfo?.info_kind, 'ifb');
  assert.ok(link?.flags?.includes('UP'), 'set up');
  assert.deepEqual(await ifb.ensure(), { ok: true, value: undefined }, 'present: only set up again');
  const texts = async () => {
    const listed = await ifb.list();
    assert.ok(listed.ok && listed.value);
    // The kernel's own link-local /64 on an up interface is never a pool's: left out here.
    return listed.value.map((c) => `${c.family}:${c.len}`).filter((x) => x !== '6:64').sort();
  };
  assert.deepEqual(await texts(), []);
  for (const a of ['203.0.113.5/32', '2001:db8:ff::5/128']) assert.deepEqual(await ifb.add(a), { ok: true, value: undefined });
  assert.deepEqual(await texts(), ['4:32', '6:128'], 'both host prefixes');
  for (const a of ['203.0.113.5/32', '2001:db8:ff::5/128']) assert.deepEqual(await ifb.remove(a), { ok: true, value: undefined });
  assert.deepEqual(await texts(), []);
  const gone = await ifb.remove('203.0.113.5/32');
  assert.ok(!gone.ok && gone.error.startsWith(`${ipInNs} addr del 203.0.113.5/32 dev portside0: `), 'removing what is not there is an error naming the command');
});
