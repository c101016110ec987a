// Plain JavaScript on purpose: it must run on a Node too old to strip TypeScript types.
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';

/** The lowest Node version in package.json's engines field (">=22.18" → [22, 18, 0]). */
export function requiredNode(engines) {
  const m = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(engines ?? '');
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : [0, 0, 0];
}

/** One line saying the Node is too old, or undefined when it is new enough. */
export function nodeTooOld(version, engines) {
  const want = requiredNode(engines);
  const have = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) > want[i]) return undefined;
    if ((have[i] ?? 0) < want[i]) {
      return `portside: Node ${version} is too old: it needs Node ${engines} (it runs its TypeScript directly); install a newer Node`;
    }
  }
  return undefined;
}

export function packageJson() {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
}
