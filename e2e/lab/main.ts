// `make lab` / `make lab-down`:
//   node e2e/lab/main.ts up            build the lab, print the board, stay up until Ctrl-C
//   node e2e/lab/main.ts up --detach   same, but return after the board (the lab keeps running)
//   node e2e/lab/main.ts up --kubelet  the nodes are real kubelets (`make lab KUBELET=1`)
//   node e2e/lab/main.ts up --bgp-backend native|frr|host-frr
//                                      who speaks BGP for the nodes (`make lab BGP_BACKEND=frr`):
//                                      e2e/lab/backends.ts
//   node e2e/lab/main.ts down          tear down the running lab (found via its state file)
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../netns/index.ts';
import { NODE_COMMANDS } from '../nodes/index.ts';
import { waitFor } from '../wait.ts';
import { labArgs, parseLabArgs, type LabCommand } from './args.ts';
import { RELOADER } from './backends.ts';
import { renderBoard } from './board.ts';
import { startPortsideLab, type PortsideLab } from './lab.ts';
import { alive, LabBusy, PREFIX_PATTERN, readState, STATE_DIR, sweep, writeState, type LabState } from './state.ts';

const READY_MARK = '==== lab ready ====';
const NEEDS = ['/usr/lib/frr/zebra', '/usr/lib/frr/bgpd', '/usr/lib/frr/bfdd', '/usr/bin/vtysh', '/usr/sbin/nft'];
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const fail = (line: string): number => {
  process.stderr.write(`make lab: ${line}\n`);
  return 1;
};

function onPath(cmd: string): boolean {
  return cmd.includes('/') ? existsSync(cmd) : ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(join(d, cmd)));
}

function preflight(c: LabCommand): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces: run `sudo make lab` (and `sudo make lab-down`)';
  // The frr backend's reloader runs FRR's frr-reload.py (frr-pythontools) on inotifywait (inotify-tools).
  const frr = c.bgpBackend === 'frr' ? ['/usr/lib/frr/frr-reload.py', 'inotifywait', RELOADER] : [];
  const missing = [...NEEDS, ...(c.kubelet ? NODE_COMMANDS : []), ...frr].filter((p) => !onPath(p));
  if (missing.length > 0) return `missing ${missing.join(', ')}: install them with \`hack/deps.sh\` (as root)`;
  return undefined;
}

function busyLine(s: LabState): string {
  return alive(s.ownerPid)
    ? `a Portside lab is already up (${s.prefix}, since ${s.startedAt}): run \`make lab-down\` first`
    : `a stale Portside lab (${s.prefix}) is left over: run \`make lab-down\` to remove it`;
}

function explain(err: unknown): string {
  const msg = (err as Error).message;
  if (/address already in use|EADDRINUSE/i.test(msg)) return `a port the lab needs is taken (${msg.split('\n')[0]}): free it, or run \`make lab-down\``;
  return msg.split('\n').slice(0, 3).join('\n');
}

async function upHere(c: LabCommand): Promise<number> {
  const began = Date.now();
  let lab: PortsideLab | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: tearing the lab down …`);
    void (lab?.destroy() ?? Promise.resolve()).then(
      () => { say('lab is down'); process.exit(0); },
      (err: unknown) => { say(`teardown: ${(err as Error).message}`); process.exit(1); },
    );
  };
  // Registered before the lab's own handlers, so this orderly teardown runs first.
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  try {
    lab = await startPortsideLab({ kind: 'make', say, kubelet: c.kubelet, bgpBackend: c.bgpBackend });
  } catch (err) {
    return fail(err instanceof LabBusy ? err.message : `${explain(err)}\nnothing is left behind.`);
  }
  const board = await renderBoard(lab, Date.now() - began);
  say(board);
  await writeState({ ...lab.state, board });
  say(c.daemon ? READY_MARK : 'The lab stays up: Ctrl-C (or `make lab-down` from another shell) tears it down.');
  setInterval(() => undefined, 1 << 30); // the lab's children are unref'd: stay up until a signal
  return new Promise<number>(() => undefined);
}

/** Starts `up` as a detached daemon, relays its progress, returns after the board. */
async function upDetached(c: LabCommand): Promise<number> {
  await mkdir(STATE_DIR, { recursive: true });
  const logPath = join(STATE_DIR, 'up.log');
  const fd = openSync(logPath, 'w');
  const args = [import.meta.filename, ...labArgs({ ...c, detach: false, daemon: true })];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  let shown = 0;
  let exited = false;
  child.once('exit', () => (exited = true));
  const relay = (): string => {
    const text = readFileSync(logPath, 'utf8');
    process.stdout.write(text.slice(shown).replace(`${READY_MARK}\n`, ''));
    shown = text.length;
    return text;
  };
  const outcome = await waitFor(() => (relay().includes(READY_MARK) ? 'ready' : exited ? 'failed' : undefined), {
    timeoutMs: 300_000, intervalMs: 200, what: 'the lab to come up',
  });
  if (outcome === 'failed') {
    relay();
    return 1;
  }
  say(`lab running in the background (pid ${child.pid}, log ${logPath}); \`make lab-down\` tears it down`);
  return 0;
}

async function down(): Promise<number> {
  if (process.getuid?.() !== 0) return fail('needs root to remove the lab\'s namespaces: run `sudo make lab-down`');
  const state = readState();
  const { stdout } = await run('ip', ['netns', 'list']);
  const orphans = [...new Set(stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => PREFIX_PATTERN.test(n.split('-')[0] ?? '')).map((n) => n.split('-')[0] ?? ''))];
  const labs: LabState[] = state ? [state] : [];
  for (const prefix of orphans.filter((p) => p !== state?.prefix)) {
    labs.push({ kind: 'make', ownerPid: 0, prefix, startedAt: '?', ready: false, namespaces: [], processes: [], rootIf: `${prefix}-up`, dirs: [] });
  }
  if (labs.length === 0) {
    say('no Portside lab is up');
    return 0;
  }
  for (const s of labs) {
    say(`tearing down lab ${s.prefix} …`);
    await sweep(s, (line) => say(`  ${line}`));
    const left = (await run('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => l.startsWith(`${s.prefix}-`));
    const pids = s.processes.filter((p) => alive(p.pid)).map((p) => p.pid);
    if (left.length > 0 || pids.length > 0) return fail(`lab ${s.prefix} is not fully down: namespaces [${left.join(', ')}], pids [${pids.join(', ')}]`);
    say(`lab ${s.prefix} is down`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseLabArgs(argv);
  if (!parsed.ok) return fail(parsed.error);
  const c = parsed.value;
  if (c.command === 'down') return down();
  const problem = preflight(c);
  if (problem) return fail(problem);
  const held = readState();
  if (held) return fail(busyLine(held));
  if (c.detach) return upDetached(c);
  return upHere(c);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`make lab: ${explain(err)}\n`);
    process.exit(1);
  },
);
