// The image users run, built here: hack/image/build.sh (`make image`; warm, seconds) builds
// it from the Dockerfile on a local Debian + Node 24 base with podman. Inside it, as uid
// 65532 with no network, `portside --help` and both commands' help answer; and it holds
// only what runs: the programs' bundle (hack/bundle.ts: bin/portside.js and the chunks it
// imports, the production packages inside), the addon's loader and the native addon. Needs root (podman runs rootful here):
// skips loudly without it, fails under CI=true.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { requireRoot } from '../netns/skip.ts';
import { buildImages, PODMAN, ROOT, run, type Built } from './build.ts';

/** A YAML kubeconfig (js-yaml reads it) for an https API server nothing listens on. */
const UNREACHABLE_KUBECONFIG = [
  'apiVersion: v1', 'kind: Config', 'current-context: c',
  'contexts: [{name: c, context: {cluster: k, user: u}}]',
  'clusters: [{name: k, cluster: {server: "https://127.0.0.1:9"}}]',
  'users: [{name: u, user: {token: t}}]', '',
].join('\n');
const APP_TOP = ['THIRD-PARTY-LICENSES.txt', 'bin', 'controller.blob', 'native', 'package.json'];

/** `portside ARGS` in the image as the Deployment runs it: uid 65532, no network, runc; `input` on stdin. */
function portside(image: Built, args: readonly string[], entrypoint?: string, input?: string) {
  return run(PODMAN, [
    'run', '--rm', '--network', 'none', '--user', '65532:65532', ...(input !== undefined ? ['-i'] : []),
    ...(entrypoint ? ['--entrypoint', entrypoint] : []), image.id, ...args,
  ], input);
}

function walk(dir: string, skip: (rel: string) => boolean, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    const rel = relative(base, path);
    if (skip(rel)) return [];
    return e.isDirectory() ? walk(path, skip, base) : [rel];
  });
}

/** The files reachable from `entry` by relative imports, and the imports that resolve to nothing. */
function reachable(app: string, entry: string): { reached: Set<string>; missing: string[] } {
  const reached = new Set<string>();
  const missing: string[] = [];
  const todo = [join(app, entry)];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (reached.has(relative(app, file))) continue;
    reached.add(relative(app, file));
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*(['"])(\.{1,2}\/[^'"]+)\1/g)) {
      const target = resolve(dirname(file), m[2]!);
      if (existsSync(target)) todo.push(target);
      else missing.push(`${relative(app, file)} → ${m[2]}`);
    }
  }
  return { reached, missing };
}

test('the image, built here from the Dockerfile, as users run it', async (t) => {
  if (!requireRoot(t)) return;
  const image = buildImages().portside;

  await t.test('portside --help as uid 65532 with no network lists the controller and speaker commands', () => {
    const r = portside(image, ['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^usage: portside <command>/);
    assert.match(r.stdout, /^ {2}controller /m);
    assert.match(r.stdout, /^ {2}speaker /m);
  });

  await t.test('portside controller --help and portside speaker --help list their flags', () => {
    const controller = portside(image, ['controller', '--help']);
    assert.equal(controller.status, 0, controller.stderr);
    assert.match(controller.stdout, /^usage: portside controller/);
    for (const flag of ['--kubeconfig', '--metrics-addr', '--leader-elect']) assert.ok(controller.stdout.includes(flag), flag);
    // As the Deployment runs it: from the startup snapshot the image's build made.
    const snapshot = portside(image, ['--snapshot-blob', '/app/controller.blob', 'controller', '--help'], 'node');
    assert.equal(snapshot.status, 0, snapshot.stderr);
    assert.equal(snapshot.stdout, controller.stdout);
    const speaker = portside(image, ['speaker', '--help']);
    assert.equal(speaker.status, 0, speaker.stderr);
    assert.match(speaker.stdout, /^usage: portside speaker/);
    for (const flag of ['--node-name', '--liveness-port', 'PORTSIDE_GRACEFUL_SHUTDOWN_MS']) assert.ok(speaker.stdout.includes(flag), flag);
  });

  await t.test('portside and the kubectl-portside plugin are on the PATH; explain without an API says so and exits 1', () => {
    const plugin = portside(image, ['explain', '--help'], 'kubectl-portside');
    assert.equal(plugin.status, 0, plugin.stderr);
    assert.match(plugin.stdout, /^ {2}kubectl portside explain svc\/NAME/m);
    const status = portside(image, ['status'], 'portside');
    assert.equal(status.status, 1, status.stderr);
    assert.match(status.stderr, /no Kubernetes API configured/);
  });

  await t.test('portside migrate reads MetalLB YAML on stdin (the yaml package is a production one), also as the portside on the PATH', () => {
    const metallb = 'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: first-pool, namespace: metallb-system}\nspec: {addresses: [198.51.100.0/28]}\n';
    const check = portside(image, ['migrate', '--check', '-'], undefined, metallb);
    assert.equal(check.status, 0, `nothing is lost: ${check.stderr}`);
    const r = portside(image, ['migrate', '-'], undefined, metallb);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^apiVersion: portside\.dev\/v1beta1$/m);
    assert.match(r.stdout, /^ {2}namespace: portside-system$/m);
    // The `portside` on the image's PATH (what `kubectl exec … -- portside` runs) is the same program.
    const onPath = portside(image, ['migrate', '-'], 'portside', metallb);
    assert.equal(onPath.status, 0, onPath.stderr);
    assert.equal(onPath.stdout, r.stdout);
    const version = portside(image, ['--version'], 'portside');
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^portside \S+ \(node v24\./);
  });

  await t.test('vtysh (Debian\'s FRR) and ip (iproute2) for the FRR backends run as the speaker runs: root, no capability, read-only', () => {
    const asSpeaker = (entrypoint: string, args: readonly string[]) => run(PODMAN, [
      'run', '--rm', '--network', 'none', '--user', '0:0', '--cap-drop', 'ALL', '--read-only', '--entrypoint', entrypoint, image.id, ...args,
    ]);
    // Against FRR's daemons: e2e/image/frr-image.podman.test.ts.
    const vtysh = asSpeaker('vtysh', ['--help']);
    assert.equal(vtysh.status, 0, vtysh.stderr);
    assert.match(vtysh.stdout, /^Integrated shell for FRR \(version 8\.4/m);
    const ip = asSpeaker('ip', ['-j', 'link', 'show', 'lo']);
    assert.equal(ip.status, 0, ip.stderr);
    assert.equal((JSON.parse(ip.stdout) as { ifname: string }[])[0]?.ifname, 'lo');
    const groups = asSpeaker('getent', ['group', 'frrvty']);
    assert.match(groups.stdout, /^frrvty:x:901:/, 'frrvty has the FRR image\'s gid (the Pod\'s supplementalGroups)');
  });

  await t.test('Node 24 at /usr/local/bin/node runs it as 65532:65532, and the native addon loads there', () => {
    const inspect = run(PODMAN, ['image', 'inspect', image.id]);
    assert.equal(inspect.status, 0, inspect.stderr);
    const config = (JSON.parse(inspect.stdout) as { Config: { User?: string; Entrypoint?: string[]; Env?: string[] } }[])[0]!.Config;
    assert.equal(config.User, '65532:65532');
    assert.deepEqual(config.Entrypoint?.filter((a) => !a.startsWith('--')), ['node', '/app/bin/portside.js']);
    assert.ok(config.Env?.includes('NODE_ENV=production'), String(config.Env));
    const probe = portside(image, ['-e', [
      "const { createRequire } = require('node:module');",
      "createRequire('/app/')('/app/native/build/Release/portside_native.node');",
      'console.log(process.execPath, process.versions.node, process.getuid(), process.getgid());',
    ].join('\n')], '/usr/local/bin/node');
    assert.equal(probe.status, 0, probe.stderr);
    assert.match(probe.stdout.trim(), /^\/usr\/local\/bin\/node 24\.\d+\.\d+ 65532 65532$/);
  });

  await t.test('with the manifests\' NODE_OPTIONS and memory limit, V8\'s old space is half the limit', () => {
    const controller = readFileSync(join(ROOT, 'config/base/controller.yaml'), 'utf8');
    const options = /- name: NODE_OPTIONS\n\s+value: (.+)\n/.exec(controller)?.[1];
    const limit = /limits:\n\s+memory: (\d+)Mi\n/.exec(controller)?.[1];
    assert.ok(options && limit, 'the controller Deployment sets NODE_OPTIONS and a memory limit in Mi');
    const probe = run(PODMAN, [
      'run', '--rm', '--network', 'none', '--user', '65532:65532', `--memory=${limit}m`, '--env', `NODE_OPTIONS=${options}`,
      '--entrypoint', '/usr/local/bin/node', image.id, '-e',
      "console.log(JSON.stringify({ limit: require('node:v8').getHeapStatistics().heap_size_limit, constrained: process.constrainedMemory() }))",
    ]);
    assert.equal(probe.status, 0, probe.stderr);
    const { limit: heap, constrained } = JSON.parse(probe.stdout) as { limit: number; constrained: number };
    assert.equal(constrained, Number(limit) * 2 ** 20, 'Node sees the container\'s limit');
    // heap_size_limit = old space (half the limit) + the young generation (3 × 4 MB semi-space).
    assert.ok(heap >= constrained / 2 && heap <= constrained / 2 + 16 * 2 ** 20, `heap limit ${heap} for a ${constrained}-byte limit`);
  });

  await t.test('it holds only what runs: the bundle reachable from bin/portside.js, the addon and its loader, no node_modules', () => {
    const mount = run(PODMAN, ['image', 'mount', image.id]);
    assert.equal(mount.status, 0, mount.stderr);
    try {
      const app = join(mount.stdout.trim(), 'app');
      assert.deepEqual(readdirSync(app).sort(), APP_TOP, 'no e2e/, bench/, hack/, config/, docs/, node_modules/ in /app');
      const files = walk(app, () => false);
      const notShipped = files.filter((f) => /\.test\.[jt]s$|(^|\/)(testing|fixtures)\.[jt]s$|(^|\/)fixtures\/|\.(md|ya?ml|hex)$|^crds\/invalid-cases\.[jt]s$/.test(f));
      assert.deepEqual(notShipped, [], 'tests, fixtures, docs and CRD YAML stay out');
      assert.deepEqual(files.filter((f) => /\.[cm]?ts$/.test(f)), [], 'no TypeScript or type declarations: the image runs the bundle');
      assert.deepEqual(files.filter((f) => f.endsWith('.map')), [], 'no source maps');
      const { reached, missing } = reachable(app, 'bin/portside.js');
      assert.deepEqual(missing, [], 'every import resolves inside the image');
      const unreached = files.filter((f) => f.endsWith('.js') && !reached.has(f));
      assert.deepEqual(unreached, [], 'every .js file in the image runs (is reached from bin/portside.js)');
      // The entry, a chunk per lazily loaded part (controller, speaker, migrate, explain, YAML) and shared chunks.
      assert.ok(reached.has('native/index.js') && reached.size >= 6, [...reached].join(' '));
      assert.deepEqual(files.filter((f) => f.startsWith('native/')).sort(), ['native/build/Release/portside_native.node', 'native/index.js']);
      assert.ok(existsSync(join(mount.stdout.trim(), 'usr/local/include/node/node_api.h')), 'the base keeps node:24-slim\'s headers');
      // The programs talk to the API through lib/k8s's own client; client-node serves the harnesses.
      const bundle = files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(app, f), 'utf8')).join('\n');
      assert.ok(!bundle.includes('ObjectSerializer'), 'no @kubernetes/client-node in the bundle');
      for (const pkg of ['node-gyp', 'typescript', 'eslint', 'esbuild']) assert.ok(!bundle.includes(`node_modules/${pkg}/`), pkg);
      // The bundled packages' licences travel with them.
      const licences = readFileSync(join(app, 'THIRD-PARTY-LICENSES.txt'), 'utf8');
      for (const pkg of ['pino', 'prom-client', 'zod', 'yaml', 'js-yaml', '@thi.ng/bitfield']) assert.match(licences, new RegExp(`^${pkg} \\d+\\.\\d+\\.\\d+ \\(`, 'm'), pkg);
    } finally {
      run(PODMAN, ['image', 'unmount', image.id]);
    }
  });

  await t.test('a YAML kubeconfig is read in the image (js-yaml is bundled, loaded only then)', () => {
    const r = portside(image, ['status', '--kubeconfig', '/dev/stdin'], 'portside', UNREACHABLE_KUBECONFIG);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /cannot read the API at https:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/, 'parsed, then the API was tried');
  });

  await t.test('the controller from its startup snapshot reads a kubeconfig and tries the API over TLS', () => {
    const r = portside(image, ['--snapshot-blob', '/app/controller.blob', 'controller', '--kubeconfig', '/dev/stdin', '--namespace', 'x'], 'node', UNREACHABLE_KUBECONFIG);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /portside controller: cannot reach the Kubernetes API: .*ECONNREFUSED/);
  });

  await t.test('the archive for `ctr images import` is a docker archive of the tagged image', () => {
    assert.equal(image.ref, 'localhost/portside:dev');
    const manifest = run('tar', ['-xOf', image.archive, 'manifest.json']);
    assert.equal(manifest.status, 0, manifest.stderr);
    const [entry] = JSON.parse(manifest.stdout) as { Config: string; RepoTags: string[] }[];
    assert.deepEqual(entry?.RepoTags, [image.ref]);
    assert.ok(entry.Config.includes(image.id), `${entry.Config} is image ${image.id}`);
  });
});
