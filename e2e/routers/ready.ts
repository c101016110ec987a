// Waits for a daemon to become ready, failing at once (with its log) if it exits first.
import { waitFor } from '../wait.ts';
import type { LabProcess } from '../netns/index.ts';

export async function waitReady<T>(
  procs: readonly LabProcess[],
  probe: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  let settled = false;
  const died = new Promise<never>((_, reject) => {
    for (const p of procs) {
      void p.exited.then((exit) => {
        if (!settled) reject(new Error(`${p.name} exited (${JSON.stringify(exit)}) before ${what}:\n${p.logTail(20)}`));
      });
    }
  });
  died.catch(() => {}); // only observed through the race below
  try {
    return await Promise.race([waitFor(probe, { timeoutMs, what }), died]);
  } finally {
    settled = true;
  }
}
