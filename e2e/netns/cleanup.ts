// Last-resort cleanup when the test process exits or is interrupted before lab.destroy()
// ran: only synchronous calls work in an 'exit' handler, so each lab hands over a sync
// teardown. The registry is process-wide on purpose: signals are process-wide.
type SyncTeardown = () => void;

const live = new Set<SyncTeardown>();
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function runAll(): void {
  for (const teardown of [...live]) {
    live.delete(teardown);
    try {
      teardown();
    } catch {
      // best effort: keep tearing down the others
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  uninstall();
  // Re-raise with the default handler so the exit status still says "killed by signal".
  process.kill(process.pid, signal);
}

function install(): void {
  process.on('exit', runAll);
  for (const s of signals) process.on(s, onSignal);
}

function uninstall(): void {
  process.off('exit', runAll);
  for (const s of signals) process.off(s, onSignal);
}

export function registerTeardown(teardown: SyncTeardown): () => void {
  if (live.size === 0) install();
  live.add(teardown);
  return () => {
    live.delete(teardown);
    if (live.size === 0) uninstall();
  };
}
