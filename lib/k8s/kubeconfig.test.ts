import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readCredentials } from './credentials.ts';
import { ExecCredentialCache } from './exec-credential.ts';
import { KubeApi } from './kube-api.ts';
import { KubeConfigError, loadKubeConfig } from './kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'portside-kc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfigFile(name: string, server: string, user = '{token: t}', cluster = ''): string {
  const path = join(dir, name);
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config',
    `clusters: [{name: c, cluster: {server: "${server}"${cluster}}}]`,
    `users: [{name: u, user: ${user}}]`,
    'contexts: [{name: x, context: {cluster: c, user: u}}]',
    'current-context: x', '',
  ].join('\n'));
  return path;
}

test('the --kubeconfig flag wins over $KUBECONFIG', async () => {
  const flag = kubeconfigFile('flag', 'https://198.51.100.1:6443');
  const env = kubeconfigFile('env', 'https://198.51.100.2:6443');
  const { config, source } = await loadKubeConfig({ kubeconfig: flag, env: { KUBECONFIG: env } });
  assert.equal(source, 'flag');
  assert.equal(config.server, 'https://198.51.100.1:6443');
  assert.deepEqual(config.token, { data: 't' });
});

test('$KUBECONFIG is used when no flag is given (first entry of a list)', async () => {
  const env = kubeconfigFile('env2', 'https://198.51.100.3:6443');
  const { config, source } = await loadKubeConfig({ env: { KUBECONFIG: `${env}:/nonexistent` } });
  assert.equal(source, 'env');
  assert.equal(config.server, 'https://198.51.100.3:6443');
});

test('nothing configured and not in a cluster: one clear error', async () => {
  await assert.rejects(loadKubeConfig({ env: {}, serviceAccountDir: join(dir, 'none') }), (err: unknown) => {
    assert.ok(err instanceof KubeConfigError);
    assert.match(err.message, /pass --kubeconfig, set \$KUBECONFIG, or run in a cluster/);
    return true;
  });
});

test('a missing kubeconfig file names the path', async () => {
  await assert.rejects(loadKubeConfig({ kubeconfig: join(dir, 'missing'), env: {} }), /cannot load kubeconfig .*missing/);
});

test('in a cluster: the service-account token file and CA, the service host (IPv6 in brackets)', async () => {
  const sa = join(dir, 'sa');
  mkdirSync(sa);
  writeFileSync(join(sa, 'token'), 'projected\n');
  writeFileSync(join(sa, 'ca.crt'), 'CA PEM');
  const { config, source } = await loadKubeConfig({
    env: { KUBERNETES_SERVICE_HOST: '2001:db8::1', KUBERNETES_SERVICE_PORT: '6443' }, serviceAccountDir: sa,
  });
  assert.equal(source, 'in-cluster');
  assert.equal(config.server, 'https://[2001:db8::1]:6443');
  const creds = await readCredentials(config);
  assert.equal(creds.headers.Authorization, 'Bearer projected');
  assert.equal(creds.ca, 'CA PEM');
  assert.equal(creds.rejectUnauthorized, true);
});

test('file paths resolve against the kubeconfig\'s folder; inline data is base64-decoded; JSON kubeconfigs load too', async () => {
  writeFileSync(join(dir, 'client.crt'), 'CERT');
  const user = `{client-certificate: client.crt, client-key-data: ${Buffer.from('KEY').toString('base64')}}`;
  const yaml = await loadKubeConfig({
    kubeconfig: kubeconfigFile('certs', 'https://198.51.100.5:6443', user, `, certificate-authority-data: ${Buffer.from('CA').toString('base64')}, tls-server-name: api`),
    env: {},
  });
  assert.deepEqual(yaml.config.clientCert, { file: join(dir, 'client.crt') });
  const creds = await readCredentials(yaml.config);
  assert.deepEqual([creds.ca, creds.cert, creds.key, creds.servername], ['CA', 'CERT', 'KEY', 'api']);
  const json = join(dir, 'kc.json');
  writeFileSync(json, JSON.stringify({
    'current-context': 'x', contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    clusters: [{ name: 'c', cluster: { server: 'http://198.51.100.6:8080' } }], users: [{ name: 'u', user: { username: 'a', password: 'b' } }],
  }));
  const loaded = await loadKubeConfig({ kubeconfig: json, env: {} });
  assert.equal((await readCredentials(loaded.config)).auth, 'a:b');
});

test('an exec plugin\'s token is used and kept until it expires; unsupported auth is refused by name', async () => {
  const script = join(dir, 'plugin.mjs');
  writeFileSync(join(dir, 'count'), '');
  writeFileSync(script, [
    `import { appendFileSync } from 'node:fs';`,
    `appendFileSync(${JSON.stringify(join(dir, 'count'))}, 'x');`,
    `const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);`,
    `console.log(JSON.stringify({ apiVersion: info.apiVersion, kind: 'ExecCredential', status: { token: 'from-' + process.env.WHO, expirationTimestamp: '2999-01-01T00:00:00Z' } }));`,
  ].join('\n'));
  const user = `{exec: {apiVersion: client.authentication.k8s.io/v1, command: "${process.execPath}", args: ["${script}"], env: [{name: WHO, value: plugin}]}}`;
  const { config } = await loadKubeConfig({ kubeconfig: kubeconfigFile('exec', 'https://198.51.100.7:6443', user), env: {} });
  const cache = new ExecCredentialCache();
  assert.equal((await readCredentials(config, cache)).headers.Authorization, 'Bearer from-plugin');
  assert.equal((await readCredentials(config, cache)).headers.Authorization, 'Bearer from-plugin');
  const { readFileSync } = await import('node:fs');
  assert.equal(readFileSync(join(dir, 'count'), 'utf8'), 'x', 'the plugin ran once');

  await assert.rejects(
    loadKubeConfig({ kubeconfig: kubeconfigFile('oidc', 'https://198.51.100.8:6443', '{auth-provider: {name: oidc}}'), env: {} }),
    /auth-provider plugins are not supported/,
  );
  const proxied = await loadKubeConfig({ kubeconfig: kubeconfigFile('proxy', 'https://198.51.100.9:6443', '{token: t}', ', proxy-url: "http://198.51.100.10:3128"'), env: {} });
  assert.equal(proxied.config.proxyUrl, 'http://198.51.100.10:3128');
  await assert.rejects(
    loadKubeConfig({ kubeconfig: kubeconfigFile('socks', 'https://198.51.100.9:6443', '{token: t}', ', proxy-url: "socks5://198.51.100.10:1080"'), env: {} }),
    /cluster "c": proxy-url scheme socks5 is not supported \(http:\/\/ proxies only\)/,
  );
  await assert.rejects(
    loadKubeConfig({ kubeconfig: kubeconfigFile('bad-proxy', 'https://198.51.100.9:6443', '{token: t}', ', proxy-url: "not a url"'), env: {} }),
    /proxy-url "not a url" is not a URL/,
  );
});

test('the loaded config, wrapped in a KubeApi as main does, reuses one agent', async () => {
  const { config } = await loadKubeConfig({ kubeconfig: kubeconfigFile('shared', 'https://198.51.100.4:6443'), env: {} });
  const api = new KubeApi(config);
  assert.equal((await api.json.pool.get()).agent, (await api.json.pool.get()).agent);
  await api.close();
});
