// Lints the Dockerfile: multi-stage on a pinned Node 24 image that one build argument
// (BASE) swaps for every stage, the native addon built in the build stage, a non-root final
// stage, exec-form ENTRYPOINT, and every COPY source present and not excluded by
// .dockerignore; and frr-image/Dockerfile. `make image` builds both for real (e2e/image/*.podman.test.ts).
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../hack/render/generated.ts';

interface Instruction { op: string; args: string }
/** `from` is the image as written (`${BASE}`), `image` with the global ARG defaults put in. */
interface Stage { from: string; image: string; name: string | undefined; body: Instruction[] }

/** Instructions with continuation lines joined and comments dropped, grouped by stage. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (!line.endsWith('\\')) {
      logical.push(pending);
      pending = '';
    }
  }
  const stages: Stage[] = [];
  const args = new Map<string, string>();
  for (const line of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const rest = m[2]!;
    if (op === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      assert.ok(from, `cannot parse FROM ${rest}`);
      const image = from[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => args.get((a ?? b)!) ?? '');
      stages.push({ from: from[1]!, image, name: from[2], body: [] });
    } else if (stages.length === 0) {
      assert.equal(op, 'ARG', `${op} before the first FROM`);
      const arg = /^(\w+)=(\S+)$/.exec(rest);
      assert.ok(arg, `a global ARG has a default: ARG ${rest}`);
      args.set(arg[1]!, arg[2]!);
    } else {
      stages.at(-1)!.body.push({ op, args: rest });
    }
  }
  return { args, stages };
}

const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
const { args, stages } = parseDockerfile(dockerfile);
const final = stages.at(-1)!;
const build = stages.find((s) => s.name === 'build');
const runs = (s: Stage): string => s.body.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');

test('multi-stage, every stage on a Node 24 image pinned by tag', () => {
  assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
  for (const s of stages) {
    assert.match(s.image, /^node:24[-.\w]*(@sha256:[0-9a-f]{64})?$/, `FROM ${s.from} (${s.image})`);
    assert.doesNotMatch(s.image, /:latest\b/);
  }
  assert.match(final.image, /^node:24[-.\w]*slim/, 'a slim runtime');
});

test('one build argument, BASE, is the image of every stage (make image sets a local base)', () => {
  assert.equal(args.get('BASE'), 'node:24-slim');
  for (const s of stages) assert.equal(s.from, '${BASE}', `stage ${s.name ?? '(final)'}`);
});

test('the build stage installs build tools, runs npm ci, builds the addon and bundles the programs', () => {
  assert.ok(build, 'a stage named "build"');
  const text = runs(build);
  for (const tool of ['python3', 'make', 'g++']) assert.match(text, new RegExp(`apt-get install[^\\n]*\\s${tool.replace('+', '\\+')}(\\s|$)`), tool);
  assert.match(text, /\bnpm ci\b/);
  assert.match(text, /\bnative\/build\.sh\b/);
  assert.ok(text.indexOf('npm ci') < text.indexOf('native/build.sh'), 'the addon builds after npm ci (node-gyp)');
  assert.match(text, /\bnode hack\/bundle\.ts dist\b/, 'the shipped TypeScript is bundled (esbuild, a dev package)');
  assert.ok(text.indexOf('npm ci') < text.indexOf('hack/bundle.ts'), 'bundled with the dev packages installed');
  assert.match(text, /test -f dist\/bin\/portside\.js -a -f dist\/controller\.blob -a -f dist\/native\/index\.js/,
    'the entry point, the controller\'s startup snapshot and the addon\'s loader are built');
});

test('the final stage takes the built addon and the bundle from the build stage, not the host, and no node_modules', () => {
  const fromBuild = final.body.filter((i) => i.op === 'COPY' && i.args.startsWith('--from=build ')).map((i) => i.args);
  assert.ok(!final.body.some((i) => i.op === 'COPY' && i.args.includes('node_modules')), 'the packages are in the bundle');
  assert.ok(fromBuild.some((a) => a.includes('portside_native.node')));
  assert.ok(fromBuild.some((a) => /^--from=build \/app\/dist\/ \.\/$/.test(a)), 'the bundled programs');
  assert.ok(!final.body.some((i) => i.op === 'COPY' && !i.args.startsWith('--from=') && /\b(bin|lib|operator|speaker|crds)\//.test(i.args)), 'no TypeScript source');
  // The runtime installs only what the FRR backends run (vtysh, ip): no build tools.
  const installed = [...runs(final).matchAll(/apt-get install ([^&\n]*)/g)].flatMap((m) => m[1]!.split(/\s+/).filter((w) => w && !w.startsWith('-')));
  assert.deepEqual(installed.sort(), ['frr', 'iproute2'], 'no build tools in the runtime image');
  for (const tool of ['python3', 'make', 'g++', 'gcc']) assert.ok(!installed.includes(tool), tool);
});

test('the final stage runs as a non-root user', () => {
  const user = final.body.filter((i) => i.op === 'USER').at(-1)?.args;
  assert.ok(user, 'USER set in the final stage');
  const name = user.split(':')[0]!;
  assert.ok(name !== 'root' && name !== '0', `USER ${user}`);
  assert.match(name, /^[0-9]+$/, 'numeric, so runAsNonRoot can be verified by the kubelet');
});

test('ENTRYPOINT is exec form: node /app/bin/portside.js (compiled)', () => {
  const entry = final.body.filter((i) => i.op === 'ENTRYPOINT').at(-1)?.args;
  assert.ok(entry);
  assert.deepEqual((JSON.parse(entry) as string[]).filter((a) => !a.startsWith('--')), ['node', '/app/bin/portside.js']);
  assert.ok(!final.body.some((i) => i.op === 'CMD'), 'args come from the pod spec');
});

test('every host COPY source exists and .dockerignore keeps host builds out', async () => {
  const ignore = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim());
  const kept = ['**/node_modules', 'native/build', '.git', '**/*.test.ts', '**/testing.ts', '**/fixtures.ts', '**/fixtures', 'crds/invalid-cases.ts'];
  for (const pattern of kept) assert.ok(ignore.includes(pattern), pattern);
  for (const s of stages) {
    for (const i of s.body.filter((x) => x.op === 'COPY' && !x.args.startsWith('--from='))) {
      const sources = i.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
      for (const src of sources) {
        await access(join(ROOT, src)).catch(() => assert.fail(`COPY ${src}: not in the repository`));
        const top = src.split('/')[0]!;
        if (ignore.includes(top) || ignore.includes(src)) assert.ok(ignore.includes(`!${src}`), `COPY ${src} is excluded by .dockerignore`);
      }
    }
  }
});

// The FRR image of `--bgp-backend frr` (frr-image/Dockerfile): e2e/image/frr-image.podman.test.ts builds and runs it.
test('frr-image/Dockerfile: one stage on BASE (Debian bookworm by default), Debian\'s FRR with its reload tool, its scripts, watchfrr as the entrypoint', async () => {
  const frr = parseDockerfile(await readFile(join(ROOT, 'frr-image/Dockerfile'), 'utf8'));
  assert.equal(frr.args.get('BASE'), 'debian:bookworm-slim');
  assert.deepEqual(frr.stages.map((s) => s.from), ['${BASE}']);
  const [stage] = frr.stages;
  assert.ok(stage);
  const installed = [...runs(stage).matchAll(/apt-get install ([^&\n]*)/g)].flatMap((m) => m[1]!.split(/\s+/).filter((w) => w && !w.startsWith('-')));
  assert.deepEqual(installed.sort(), ['frr', 'frr-pythontools', 'inotify-tools', 'python3']);
  assert.match(runs(stage), /groupadd --system --gid 901 frrvty/, 'frrvty\'s gid is the one the Portside image and the manifests use');
  assert.match(runs(final), /groupadd --system --gid 901 frrvty/, 'the Portside image has the same frrvty');
  for (const i of stage.body.filter((x) => x.op === 'COPY')) {
    const sources = i.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
    for (const src of sources.filter((x) => !x.includes('*'))) await access(join(ROOT, 'frr-image', src)).catch(() => assert.fail(`COPY ${src}: not in frr-image/`));
  }
  assert.deepEqual(JSON.parse(stage.body.filter((i) => i.op === 'ENTRYPOINT').at(-1)?.args ?? 'null'), ['/usr/lib/portside-frr/start.sh']);
});
