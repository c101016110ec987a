// Lab tests need root and real binaries: skip loudly without them, but fail under CI.
import assert from 'node:assert/strict';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

function skipOrFail(t: TestContext, reason: string): false {
  const line = `${t.name}: ${reason}`;
  if (process.env.CI === 'true') assert.fail(`${line} (CI=true: missing lab prerequisites are a failure)`);
  process.stderr.write(`\n*** SKIPPED ${line} ***\n`);
  t.skip(reason);
  return false;
}

/** `if (!requireRoot(t)) return;` — true when running as root. */
export function requireRoot(t: TestContext): boolean {
  if (process.getuid?.() === 0) return true;
  return skipOrFail(t, 'needs root for network namespaces (run as root, see hack/deps.sh)');
}

function onPath(cmd: string): boolean {
  const dirs = cmd.includes('/') ? [''] : (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  return dirs.some((dir) => {
    try {
      accessSync(dir ? join(dir, cmd) : cmd, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** `if (!requireCommands(t, ['vtysh', 'gobgpd'])) return;` — true when all are executable. */
export function requireCommands(t: TestContext, commands: readonly string[]): boolean {
  const missing = commands.filter((c) => !onPath(c));
  if (missing.length === 0) return true;
  return skipOrFail(t, `needs ${missing.join(', ')} (install with hack/deps.sh)`);
}
