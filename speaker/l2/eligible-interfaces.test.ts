import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eligibleInterfaces } from './eligible-interfaces.ts';

const sysfs = await mkdtemp(join(tmpdir(), 'portside-sysfs-'));
after(() => rm(sysfs, { recursive: true, force: true }));

async function fakeLink(name: string, ifindex: number, flags: number, master?: string): Promise<void> {
  const dir = join(sysfs, name);
  await mkdir(dir);
  await writeFile(join(dir, 'ifindex'), `${ifindex}\n`);
  await writeFile(join(dir, 'address'), `02:00:00:00:00:${ifindex.toString(16).padStart(2, '0')}\n`);
  await writeFile(join(dir, 'flags'), `0x${flags.toString(16)}\n`);
  if (master) await symlink(`../${master}`, join(dir, 'master'));
}

await fakeLink('lo', 1, 0x9);
await fakeLink('eth0', 2, 0x1003);
await fakeLink('eth1', 3, 0x1002); // down
await fakeLink('eth2', 4, 0x1083); // NOARP
await fakeLink('eth3', 5, 0x1003, 'br0'); // bridge port
await fakeLink('eth4', 6, 0x1003); // up, but no address
await fakeLink('veth12ab', 7, 0x1003);
await fakeLink('br0', 8, 0x1003);

const v4 = (address: string) => ({ address, family: 'IPv4' as const, internal: false, netmask: '255.255.255.0', mac: '', cidr: null });
const v6ll = { address: 'fe80::1', family: 'IPv6' as const, internal: false, netmask: 'ffff:ffff:ffff:ffff::', mac: '', cidr: null, scopeid: 2 };
const addresses = () => ({ eth0: [v4('198.51.100.11')], eth3: [v4('198.51.100.13')], eth4: [v6ll], veth12ab: [v4('198.51.100.99')], br0: [v4('198.51.100.12')] });

test("'all': up, ARP-capable, unenslaved interfaces with an address; no lo or veth", async () => {
  const got = await eligibleInterfaces('all', { sysfs, addresses });
  assert.deepEqual(got.eligible.map((i) => i.name), ['br0', 'eth0']);
  assert.deepEqual(got.rejected, [], "'all' skips quietly");
});

test('a named list reports every interface it cannot use, with the reason', async () => {
  const got = await eligibleInterfaces(['eth0', 'eth1', 'eth2', 'eth3', 'eth9', 'eth4'], { sysfs, addresses });
  assert.deepEqual(got.eligible.map((i) => i.name), ['eth0', 'eth4']);
  assert.deepEqual(got.rejected, [
    { name: 'eth1', reason: 'interface is down' },
    { name: 'eth2', reason: 'interface has NOARP set' },
    { name: 'eth3', reason: 'interface is enslaved to br0' },
    { name: 'eth9', reason: 'interface does not exist' },
  ]);
});
