// The command line of e2e/lab/main.ts (`make lab` / `make lab-down`), parsed without effects.
import { isLabBgpBackend, LAB_BGP_BACKENDS, type LabBgpBackend } from './backends.ts';

export const USAGE = `usage: node e2e/lab/main.ts up [--detach] [--kubelet] [--bgp-backend ${LAB_BGP_BACKENDS.join('|')}] | down`;

export interface LabCommand {
  command: 'up' | 'down';
  /** Return after the board, the lab running in the background. */
  detach: boolean;
  /** Internal: the background process of --detach. */
  daemon: boolean;
  kubelet: boolean;
  bgpBackend: LabBgpBackend;
}

export function parseLabArgs(argv: readonly string[]): { ok: true; value: LabCommand } | { ok: false; error: string } {
  const [command, ...rest] = argv;
  if (command !== 'up' && command !== 'down') return { ok: false, error: USAGE };
  const value: LabCommand = { command, detach: false, daemon: false, kubelet: false, bgpBackend: 'native' };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (command === 'up' && arg === '--detach') value.detach = true;
    else if (command === 'up' && arg === '--daemon') value.daemon = true;
    else if (command === 'up' && arg === '--kubelet') value.kubelet = true;
    else if (command === 'up' && (arg === '--bgp-backend' || arg.startsWith('--bgp-backend='))) {
      const backend = arg === '--bgp-backend' ? rest[++i] : arg.slice('--bgp-backend='.length);
      if (backend === undefined || !isLabBgpBackend(backend)) {
        return { ok: false, error: `--bgp-backend ${JSON.stringify(backend ?? '')} (BGP_BACKEND): one of ${LAB_BGP_BACKENDS.join(', ')}` };
      }
      value.bgpBackend = backend;
    } else return { ok: false, error: `unknown argument ${JSON.stringify(arg)}\n${USAGE}` };
  }
  return { ok: true, value };
}

/** The arguments that give `value` back (what --detach passes its background process). */
export function labArgs(value: LabCommand): string[] {
  return [
    value.command, ...(value.detach ? ['--detach'] : []), ...(value.daemon ? ['--daemon'] : []),
    ...(value.kubelet ? ['--kubelet'] : []), ...(value.bgpBackend !== 'native' ? ['--bgp-backend', value.bgpBackend] : []),
  ];
}
