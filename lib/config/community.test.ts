import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from './build.ts';
import { parseCommunityValue } from './community.ts';
import { type ErrorCase, assertCase, bgpAdv, community, input } from './testing.ts';

test('parseCommunityValue: standard and large values', () => {
  assert.deepEqual(parseCommunityValue('65535:0'), { ok: true, value: { kind: 'standard', asn: 65535, value: 0 } });
  assert.deepEqual(parseCommunityValue('large:4294967295:1:2'), { ok: true, value: { kind: 'large', global: 4294967295, local1: 1, local2: 2 } });
  for (const bad of ['65536:1', '1:65536', '-1:1', '1:2:3', 'large:1:2', 'large:1:2:4294967296', 'no-export', '1:', 'a:b']) {
    assert.ok(!parseCommunityValue(bad).ok, bad);
  }
});

const C = 'Community';
const B = 'BGPAdvertisement';
const cases: ErrorCase[] = [
  { name: 'aliases used by an advertisement', input: input({
    communities: [community('c1', [['no-advertise', '65535:65282']]), community('c2', [['big', 'large:64512:1:2']])],
    bgpAdvertisements: [bgpAdv('a', { communities: ['no-advertise', 'big', '64512:7'] })] }) },
  { name: 'bad alias value', input: input({ communities: [community('c1', [['x', '70000:1']])] }),
    want: { kind: C, name: 'c1', field: 'spec.communities[0].value', message: /0-65535/ } },
  { name: 'alias of an alias is not allowed', input: input({ communities: [community('c1', [['x', '1:1'], ['y', 'x']])] }),
    want: { kind: C, name: 'c1', field: 'spec.communities[1].value' } },
  { name: 'duplicate alias across objects', input: input({ communities: [community('c1', [['x', '1:1']]), community('c2', [['x', '1:2']])] }),
    want: { kind: C, name: 'c2', field: 'spec.communities[0].name', message: /already defined in Community "c1"/ } },
  { name: 'duplicate alias in one object', input: input({ communities: [community('c1', [['x', '1:1'], ['x', '1:1']])] }),
    want: { kind: C, name: 'c1', field: 'spec.communities[1]', message: /duplicate entry for name/ } },
  { name: 'unknown alias (well-known names are not built in)', input: input({ bgpAdvertisements: [bgpAdv('a', { communities: ['no-export'] })] }),
    want: { kind: B, name: 'a', field: 'spec.communities[0]', message: /neither a community value.*nor an alias/ } },
  { name: 'bad literal in an advertisement', input: input({ bgpAdvertisements: [bgpAdv('a', { communities: ['large:1:2'] })] }),
    want: { kind: B, name: 'a', field: 'spec.communities[0]', message: /large:A:B:C/ } },
  { name: 'duplicate community via alias and literal', input: input({ communities: [community('c1', [['x', '64512:1']])], bgpAdvertisements: [bgpAdv('a', { communities: ['x', '64512:1'] })] }),
    want: { kind: B, name: 'a', field: 'spec.communities[1]', message: /already given/ } },
];

test('Community rules (table)', () => {
  for (const c of cases) assertCase(c, buildConfig(c.input));
});

test('communities resolve to numbers', () => {
  const r = buildConfig(cases[0]!.input);
  assert.ok(r.ok);
  assert.deepEqual(r.config.bgpAdvertisements[0]!.communities, [
    { kind: 'standard', asn: 65535, value: 65282 },
    { kind: 'large', global: 64512, local1: 1, local2: 2 },
    { kind: 'standard', asn: 64512, value: 7 },
  ]);
  assert.deepEqual(r.config.communityAliases.get('big'), { kind: 'large', global: 64512, local1: 1, local2: 2 });
});
