import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { KeepAliveKubeConfig } from './connections.ts';
import { KubeApi } from './kube-api.ts';
import { FakeClock } from '../time/clock.ts';

const dir = mkdtempSync(join(tmpdir(), 'portside-conn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function kubeConfig(caFile?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://198.51.100.1:6443', ...(caFile ? { caFile } : { skipTLSVerify: true }) }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function dispatcherOf(kc: KubeConfig): Promise<unknown> {
  const context = new RequestContext('https://198.51.100.1:6443/version', HttpMethod.GET);
  await kc.applySecurityAuthentication(context); // builds an Agent, connects nothing
  assert.equal(context.getHeaders().Authorization, 'Bearer t');
  return context.getDispatcher();
}

test('a plain KubeConfig hands every call a new dispatcher', async () => {
  const kc = kubeConfig();
  assert.notEqual(await dispatcherOf(kc), await dispatcherOf(kc));
});

test('a KeepAliveKubeConfig makes calls share one dispatcher', async () => {
  const kc = KeepAliveKubeConfig.copyOf(kubeConfig());
  const first = await dispatcherOf(kc);
  assert.ok(first);
  assert.equal(await dispatcherOf(kc), first);
  await Promise.all([dispatcherOf(kc), dispatcherOf(kc)]).then((ds) => ds.forEach((d) => assert.equal(d, first)));
});

test('copyOf leaves the KubeConfig it copies as it is, and two copies share nothing', async () => {
  const plain = kubeConfig();
  const a = KeepAliveKubeConfig.copyOf(plain);
  const b = KeepAliveKubeConfig.copyOf(plain);
  assert.equal(a.getCurrentCluster()?.server, 'https://198.51.100.1:6443');
  assert.notEqual(await dispatcherOf(plain), await dispatcherOf(plain));
  assert.notEqual(await dispatcherOf(a), await dispatcherOf(b));
});

test('certificate files are read once per 30 s, not per request; a changed CA gets a new dispatcher', async () => {
  const ca = join(dir, 'ca.crt');
  writeFileSync(ca, 'first CA');
  const clock = new FakeClock(0);
  const kc = KeepAliveKubeConfig.copyOf(kubeConfig(ca), clock);
  const first = await dispatcherOf(kc);
  unlinkSync(ca);
  // A plain KubeConfig reads the file on every call: it fails now.
  await assert.rejects(dispatcherOf(kubeConfig(ca)), /ENOENT/);
  clock.advance(29_999); // t = 29.999 s
  assert.equal(await dispatcherOf(kc), first, 'no read within 30 s');
  clock.advance(1); // t = 30 s
  assert.equal(await dispatcherOf(kc), first, 'a failed re-read keeps the credentials in use');
  writeFileSync(ca, 'first CA');
  clock.advance(30_000); // t = 60 s
  assert.equal(await dispatcherOf(kc), first, 'same identity, same dispatcher');
  writeFileSync(ca, 'rotated CA');
  clock.advance(30_000); // t = 90 s
  const rotated = await dispatcherOf(kc);
  assert.notEqual(rotated, first);
  assert.equal(await dispatcherOf(kc), rotated);
});

test('a KubeApi copies the KubeConfig it is given; two KubeApis share nothing', async () => {
  const plain = kubeConfig();
  const a = new KubeApi(plain);
  const b = new KubeApi(plain);
  assert.ok(a.kc instanceof KeepAliveKubeConfig);
  assert.notEqual(a.kc, plain);
  assert.equal(a.server, 'https://198.51.100.1:6443');
  assert.equal(await dispatcherOf(a.kc), await dispatcherOf(a.kc));
  assert.notEqual(await dispatcherOf(a.kc), await dispatcherOf(b.kc));
  assert.notEqual(a.json, b.json);
  await Promise.all([a.close(), b.close()]);
});
