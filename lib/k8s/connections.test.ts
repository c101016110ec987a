import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { reuseConnections, shareConnections } from './connections.ts';

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://198.51.100.1:6443', skipTLSVerify: true }],
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

test('shareConnections makes calls share one dispatcher, and is idempotent', async () => {
  const kc = kubeConfig();
  assert.equal(shareConnections(kc), kc);
  const first = await dispatcherOf(kc);
  assert.equal(shareConnections(kc), kc);
  assert.equal(await dispatcherOf(kc), first);
});

test('reuseConnections copies a plain KubeConfig and returns a sharing one as it is', async () => {
  const kc = kubeConfig();
  const copy = reuseConnections(kc);
  assert.notEqual(copy, kc);
  assert.equal(await dispatcherOf(copy), await dispatcherOf(copy));
  assert.notEqual(await dispatcherOf(kc), await dispatcherOf(kc));
  assert.equal(reuseConnections(copy), copy);
});
