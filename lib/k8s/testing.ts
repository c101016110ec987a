// Fixtures for the programs' command-line tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A kubeconfig naming an API server nobody listens on (https://127.0.0.1:1), removed after the test. */
export function unreachableKubeconfig(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'portside-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'kc.yaml');
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config', 'current-context: x',
    'clusters: [{name: x, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
    'users: [{name: x, user: {token: t}}]', 'contexts: [{name: x, context: {cluster: x, user: x}}]',
  ].join('\n'));
  return path;
}
