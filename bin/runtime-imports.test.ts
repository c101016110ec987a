// What the shipped programs load at run time: never @kubernetes/client-node (its generated
// model set alone costs ≈ 90 MB of RSS), only the small packages they need. `import type` is
// erased and allowed. A resolve hook in a child process records every package the controller
// and speaker entry points pull in, with the module that asked for it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const root = new URL('..', import.meta.url);

/** Packages each entry's import graph loads (with who asked), and `node:` internals loaded. */
async function packagesLoadedBy(entries: readonly string[]): Promise<{ packages: Record<string, string>; internals: string[] }> {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = {};
    registerHooks({
      resolve(specifier, context, next) {
        const r = next(specifier, context);
        const m = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
        if (m && !(context.parentURL ?? '').includes('/node_modules/')) seen[m[1]] ??= context.parentURL;
        return r;
      },
    });
    for (const entry of ${JSON.stringify(entries)}) await import(new URL(entry, ${JSON.stringify(root.href)}).href);
    console.log(JSON.stringify({ packages: seen, internals: process.moduleLoadList }));
    process.exit(0);
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: root.pathname });
  return JSON.parse(stdout) as { packages: Record<string, string>; internals: string[] };
}

test('the controller and speaker load no @kubernetes/client-node at run time', async () => {
  const { packages: loaded, internals } = await packagesLoadedBy(['operator/main.ts', 'speaker/main.ts']);
  assert.equal(loaded['@kubernetes/client-node'], undefined, `loaded by ${loaded['@kubernetes/client-node']}`);
  // js-yaml is imported only when a kubeconfig file is YAML (a Pod in the cluster never loads it).
  const allowed = new Set(['@thi.ng/bitfield', 'pino', 'prom-client', 'zod']);
  for (const [name, by] of Object.entries(loaded)) assert.ok(allowed.has(name), `${name} loaded by ${by}`);
  assert.ok(loaded.pino && loaded['prom-client'], 'the hook saw the packages that are loaded');
  // An ESM import of node:http loads Node's bundled undici (≈ 5.7 MB): lib/node/builtins.ts avoids it.
  assert.deepEqual(internals.filter((m) => m.includes('undici')), []);
});

test('the check sees a runtime import of client-node (the harnesses\' patch helpers make one)', async () => {
  const { packages, internals } = await packagesLoadedBy(['e2e/k8s/patch.ts']);
  assert.match(packages['@kubernetes/client-node'] ?? '', /e2e\/k8s\/patch\.ts$/);
  assert.ok(internals.some((m) => m.includes('undici')), 'client-node\'s own ESM import of node:http loads undici');
});
