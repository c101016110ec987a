// The CLI as a user runs it: help, version, migrate, and the Node version check.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { nodeTooOld, requiredNode } from './node-version.mjs';

const BIN = new URL('./portside.mjs', import.meta.url).pathname;
const run = (args: string[], input?: string) => spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8' });

test('--help, -h and help print the usage and exit 0; --version prints the version', () => {
  for (const a of ['--help', '-h', 'help']) {
    const r = run([a]);
    assert.equal(r.status, 0, a);
    assert.match(r.stdout, /^usage: portside <command>/);
    assert.match(r.stdout, /migrate/);
  }
  const v = run(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^portside \d+\.\d+\.\d+ \(node v/);
  const bad = run(['nope']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command "nope"/);
});

test('every command\'s --help lists its flags and exits 0', () => {
  for (const c of ['controller', 'speaker', 'migrate']) {
    const r = run([c, '--help']);
    assert.equal(r.status, 0, c);
    assert.match(r.stdout, new RegExp(`^usage: portside ${c}`));
    assert.match(r.stdout, /--namespace .*\(default portside-system\)/);
  }
});

test('migrate: stdin in, portside.dev YAML out; --check exits 1 when a field would be lost', () => {
  const lossless = 'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: p, namespace: metallb-system}\nspec: {addresses: [198.51.100.0/24]}\n';
  const r = run(['migrate'], lossless);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /apiVersion: portside\.dev\/v1beta1/);
  assert.match(r.stdout, /namespace: portside-system/);
  assert.equal(run(['migrate', '--check'], lossless).status, 0);
  const lossy = `${lossless}---\napiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: {name: a}\nspec: {asPathPrepend: 3}\n`;
  const c = run(['migrate', '--check', '-'], lossy);
  assert.equal(c.status, 1);
  assert.equal(c.stdout, '');
  assert.match(c.stderr, /cannot carry BGPAdvertisement\/a spec\.asPathPrepend/);
});

test('a Node older than the engines field gets one clear line', () => {
  assert.deepEqual(requiredNode('>=22.18'), [22, 18, 0]);
  assert.match(nodeTooOld('v20.11.1', '>=22.18')!, /^portside: Node v20\.11\.1 is too old: it needs Node >=22\.18/);
  assert.equal(nodeTooOld('v22.18.0', '>=22.18'), undefined);
  assert.equal(nodeTooOld('v24.9.0', '>=22.18'), undefined);
  assert.ok(nodeTooOld('v22.17.9', '>=22.18'));
});
