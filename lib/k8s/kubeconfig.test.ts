import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { KubeApi } from './kube-api.ts';
import { KubeConfigError, loadKubeConfig } from './kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'portside-kc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfigFile(name: string, server: string): string {
  const path = join(dir, name);
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config',
    'clusters: [{name: c, cluster: {server: "' + server + '"}}]',
    'users: [{name: u, user: {token: t}}]',
    'contexts: [{name: x, context: {cluster: c, user: u}}]',
    'current-context: x', '',
  ].join('\n'));
  return path;
}

test('the --kubeconfig flag wins over $KUBECONFIG', () => {
  const flag = kubeconfigFile('flag', 'https://198.51.100.1:6443');
  const env = kubeconfigFile('env', 'https://198.51.100.2:6443');
  const { kc, source } = loadKubeConfig({ kubeconfig: flag, env: { KUBECONFIG: env } });
  assert.equal(source, 'flag');
  assert.equal(kc.getCurrentCluster()?.server, 'https://198.51.100.1:6443');
});

test('$KUBECONFIG is used when no flag is given (first entry of a list)', () => {
  const env = kubeconfigFile('env2', 'https://198.51.100.3:6443');
  const { kc, source } = loadKubeConfig({ env: { KUBECONFIG: `${env}:/nonexistent` } });
  assert.equal(source, 'env');
  assert.equal(kc.getCurrentCluster()?.server, 'https://198.51.100.3:6443');
});

test('nothing configured and not in a cluster: one clear error', () => {
  assert.throws(() => loadKubeConfig({ env: {} }), (err: unknown) => {
    assert.ok(err instanceof KubeConfigError);
    assert.match(err.message, /pass --kubeconfig, set \$KUBECONFIG, or run in a cluster/);
    return true;
  });
});

test('a missing kubeconfig file names the path', () => {
  assert.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'missing'), env: {} }), /cannot load kubeconfig .*missing/);
});

test('the loaded KubeConfig, wrapped in a KubeApi as main does, reuses one dispatcher', async () => {
  const { kc } = loadKubeConfig({ kubeconfig: kubeconfigFile('shared', 'https://198.51.100.4:6443'), env: {} });
  const api = new KubeApi(kc);
  const dispatcher = async (): Promise<unknown> => {
    const context = new RequestContext('https://198.51.100.4:6443/version', HttpMethod.GET);
    await api.kc.applySecurityAuthentication(context);
    return context.getDispatcher();
  };
  assert.equal(await dispatcher(), await dispatcher());
  await api.close();
});
