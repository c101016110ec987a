import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConnectionPool } from './connections.ts';
import { KubeApi } from './kube-api.ts';
import type { ClusterConfig } from './kubeconfig.ts';
import { FakeClock } from '../time/clock.ts';

const dir = mkdtempSync(join(tmpdir(), 'portside-conn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function config(caFile?: string, tokenFile?: string): ClusterConfig {
  return {
    server: 'https://198.51.100.1:6443',
    ...(caFile ? { ca: { file: caFile } } : { insecureSkipTlsVerify: true }),
    token: tokenFile ? { file: tokenFile } : { data: 't' },
  };
}

test('a pool hands every call one agent and the auth header', async () => {
  const pool = new ConnectionPool(config());
  const first = await pool.get();
  assert.equal(first.headers.Authorization, 'Bearer t');
  assert.equal((await pool.get()).agent, first.agent);
  const all = await Promise.all([pool.get(), pool.get()]);
  for (const c of all) assert.equal(c.agent, first.agent);
  pool.close();
});

test('a client certificate OpenSSL refuses goes to each connection as before, not into a shared TLS context', async () => {
  const pool = new ConnectionPool({ server: 'https://198.51.100.1:6443', insecureSkipTlsVerify: true, clientCert: { data: 'not a certificate' }, clientKey: { data: 'not a key' } });
  const tls = (await pool.get()).direct?.tls;
  assert.equal(tls?.secureContext, undefined);
  assert.equal(String(tls?.cert), 'not a certificate');
  assert.equal(String(tls?.key), 'not a key');
  pool.close();
});

test('two pools share nothing', async () => {
  const a = new ConnectionPool(config());
  const b = new ConnectionPool(config());
  assert.notEqual((await a.get()).agent, (await b.get()).agent);
  a.close();
  b.close();
});

test('certificate files are read once per 30 s, not per request; a changed CA gets a new agent', async () => {
  const ca = join(dir, 'ca.crt');
  writeFileSync(ca, 'first CA');
  const clock = new FakeClock(0);
  const pool = new ConnectionPool(config(ca), { clock });
  const first = (await pool.get()).agent;
  unlinkSync(ca);
  clock.advance(29_999); // t = 29.999 s
  assert.equal((await pool.get()).agent, first, 'no read within 30 s');
  clock.advance(1); // t = 30 s
  assert.equal((await pool.get()).agent, first, 'a failed re-read keeps the credentials in use');
  writeFileSync(ca, 'first CA');
  clock.advance(30_000); // t = 60 s
  assert.equal((await pool.get()).agent, first, 'same identity, same agent');
  writeFileSync(ca, 'rotated CA');
  clock.advance(30_000); // t = 90 s
  const rotated = (await pool.get()).agent;
  assert.notEqual(rotated, first);
  assert.equal((await pool.get()).agent, rotated);
  pool.close();
});

test('a rotated token file changes the header within 30 s, or at once after a 401, and keeps the agent', async () => {
  const token = join(dir, 'token');
  writeFileSync(token, 'one\n');
  const clock = new FakeClock(0);
  const pool = new ConnectionPool(config(undefined, token), { clock });
  const first = await pool.get();
  assert.equal(first.headers.Authorization, 'Bearer one');
  writeFileSync(token, 'two');
  assert.equal((await pool.get()).headers.Authorization, 'Bearer one', 'within 30 s');
  clock.advance(30_000);
  const second = await pool.get();
  assert.equal(second.headers.Authorization, 'Bearer two');
  assert.equal(second.agent, first.agent);
  writeFileSync(token, 'three');
  pool.invalidate();
  assert.equal((await pool.get()).headers.Authorization, 'Bearer three', 'after a 401');
  pool.close();
});

test('a KubeApi holds one pool; two KubeApis share nothing', async () => {
  const plain = config();
  const a = new KubeApi(plain);
  const b = new KubeApi(plain);
  assert.equal(a.server, 'https://198.51.100.1:6443');
  assert.equal((await a.json.pool.get()).agent, (await a.json.pool.get()).agent);
  assert.notEqual((await a.json.pool.get()).agent, (await b.json.pool.get()).agent);
  assert.notEqual(a.json, b.json);
  await Promise.all([a.close(), b.close()]);
});
