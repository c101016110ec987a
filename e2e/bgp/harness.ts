// Test side of the speaker worker: starts it in a lab namespace (tracked by PID), sends
// commands through a fifo and reads its JSON event/log lines from the process log.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { Lab, requireCommands, requireRoot } from '../netns/index.ts';
import type { LabProcess, Netns } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import type { WaitOptions } from '../wait.ts';
import type { RouteSpec, WorkerCommand, WorkerConfig, WorkerEvent } from './worker-protocol.ts';

const WORKER = fileURLToPath(new URL('./speaker-worker.ts', import.meta.url));

/** A log line: a worker event (`ev`) or one of the speaker's pino lines (`event`). */
export type WorkerLine = Partial<WorkerEvent> & { ev?: string; event?: string; msg?: string; [key: string]: unknown };

export class SpeakerWorker {
  readonly process: LabProcess;
  private readonly fifo: number;

  private constructor(proc: LabProcess, fifo: number) {
    this.process = proc;
    this.fifo = fifo;
  }

  static async start(lab: Lab, ns: Netns, config: WorkerConfig, name = 'speaker'): Promise<SpeakerWorker> {
    const dir = await lab.tempDir(`${ns.name}-${name}`);
    const configFile = join(dir, 'config.json');
    const fifoPath = join(dir, 'commands');
    writeFileSync(configFile, JSON.stringify(config));
    execFileSync('mkfifo', [fifoPath]);
    const fifo = openSync(fifoPath, 'r+'); // read-write: never blocks, whoever comes first
    lab.onDestroy(`${name} fifo`, async () => closeSync(fifo));
    const proc = ns.spawn(process.execPath, [WORKER, configFile, fifoPath], { name });
    const worker = new SpeakerWorker(proc, fifo);
    await worker.waitLine((l) => l.ev === 'ready', { what: `${name} ready`, timeoutMs: 10_000 });
    return worker;
  }

  get pid(): number {
    return this.process.pid;
  }

  send(cmd: WorkerCommand): void {
    writeSync(this.fifo, `${JSON.stringify(cmd)}\n`);
  }

  setRoutes(peer: string, routes: RouteSpec[]): void {
    this.send({ op: 'routes', peer, routes });
  }

  lines(): WorkerLine[] {
    return this.process.jsonLines<WorkerLine>();
  }

  events(ev: WorkerEvent['ev'], peer?: string): WorkerLine[] {
    return this.lines().filter((l) => l.ev === ev && (peer === undefined || l.peer === peer));
  }

  async waitLine(pred: (l: WorkerLine) => boolean, opts: WaitOptions = {}): Promise<WorkerLine> {
    return waitFor(
      () => {
        if (!this.process.running) throw new Error(`worker exited: ${JSON.stringify(this.process.exitStatus)}\n${this.process.logTail(20)}`);
        return this.lines().find(pred);
      },
      { timeoutMs: 20_000, what: 'worker line', ...opts },
    );
  }

  /** Waits for the `count`-th 'up' event of `peer` (a restarted session counts again). */
  waitUp(peer: string, count = 1, opts: WaitOptions = {}): Promise<WorkerLine> {
    return waitFor(() => this.events('up', peer)[count - 1], { timeoutMs: 20_000, what: `session ${peer} up (#${count})`, ...opts });
  }
}

/** A lab for a speaker interop test, or undefined after a loud skip (no root / no routers). */
export async function speakerLab(t: TestContext, commands: readonly string[]): Promise<Lab | undefined> {
  if (!requireRoot(t)) return undefined;
  if (!requireCommands(t, ['ip', 'mkfifo', ...commands])) return undefined;
  const lab = await Lab.create();
  t.after(() => lab.destroy());
  return lab;
}
