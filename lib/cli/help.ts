// `portside --help` and `portside <command> --help`: the commands, every flag
// lib/cli/flags.ts accepts (help.test.ts checks that none is left out) and the environment
// variables that stand in for flags.
import { CONTROLLER_OPTIONS, DEFAULT_FRR_POLL_MS, DEFAULT_GRACEFUL_SHUTDOWN_MS, DEFAULT_HOST_FRR_RECONCILE_MS, MIGRATE_OPTIONS, SPEAKER_OPTIONS } from './flags.ts';

export type Command = 'controller' | 'speaker' | 'migrate';

export const USAGE = `usage: portside <command> [flags]

commands:
  controller   allocates IPs from IPAddressPools to LoadBalancer Services and writes their
               status (one Deployment, leader-elected)
  speaker      announces those IPs from its node by ARP/NDP and BGP (a DaemonSet, one per node)
  migrate      converts MetalLB objects (metallb.io CRs or the legacy ConfigMap) to portside.dev
               objects, listing what cannot be carried over
  explain      explain service NAMESPACE/NAME, explain pool NAME: from the API, why a Service
               has (or lacks) an IP and who announces it; a pool's usage
  status       configuration validity per component, BGP sessions per node, stale reports

'portside <command> --help' lists the command's flags.
'portside --version' prints the version.
As a kubectl plugin (bin/kubectl-portside on the PATH): kubectl portside explain svc/NAME.`;

/** What each flag does; a default the options table does not hold is written here. */
const FLAG_TEXT: Record<string, string> = {
  kubeconfig: 'kubeconfig file; else $KUBECONFIG, else the in-cluster service account',
  namespace: 'namespace of the Portside configuration objects (migrate: the namespace written into them)',
  'lb-class': 'serve only Services of this spec.loadBalancerClass (default: those with none)',
  'log-level': 'trace, debug, info, warn or error',
  'leader-elect': 'true or false: take the Lease before acting (false: one replica only)',
  'node-name': 'this node (default: $NODE_NAME)',
  'liveness-port': 'UDP port of the speakers\' L2 liveness mesh',
  check: 'convert nothing: exit 1 if any field would be lost, listing them (for CI)',
  'bgp-backend': 'who speaks BGP for this node: native (Portside\'s own sessions, the default), frr (a sidecar FRR whose configuration Portside renders) or host-frr (the node\'s own FRR, fed through vtysh); see docs/bgp-backends.md; else $PORTSIDE_BGP_BACKEND',
  'frr-vtysh': 'frr and host-frr: the vtysh binary',
  'frr-vty-socket': 'frr and host-frr: the directory of FRR\'s vty sockets (vtysh --vty_socket; frr: default /var/run/frr, host-frr: a hostPath, default vtysh\'s own)',
  'frr-config-dir': 'frr: the directory shared with the FRR container\'s reloader (frr.conf, reload.request, reload.status); default /etc/frr-portside, else $PORTSIDE_FRR_CONFIG_DIR',
  'host-frr-interface': 'host-frr connected mode: the interface that carries the announced /32 and /128 (a dummy, created when absent; or lo)',
  'host-frr-exclude': 'host-frr: comma-separated addresses or CIDRs Portside never adds or removes; else $PORTSIDE_HOST_FRR_EXCLUDE',
  'state-dir': 'directory kept across speaker restarts on this node (a hostPath); a restarted speaker finds its BGP restart marker there and reopens sessions with the Restart State bit',
};
const METRICS: Record<Command, string> = { controller: ':7472', speaker: ':7473', migrate: '' };

const ENV_TEXT: Record<Command, [string, string][]> = {
  controller: [
    ['POD_NAME', 'leader-election identity and event source (default: host name and pid)'],
    ['PORTSIDE_LEASE_DURATION_MS', 'Lease duration (default 15000)'],
    ['PORTSIDE_LEASE_RENEW_DEADLINE_MS', 'renew deadline, less than the duration (default 10000)'],
    ['PORTSIDE_LEASE_RETRY_PERIOD_MS', 'retry period (default 2000)'],
  ],
  speaker: [
    ['POD_NAME, POD_UID', 'owner of the status objects this speaker writes'],
    ['PORTSIDE_BGP_PORT', 'TCP port of BGP sessions (default 179)'],
    ['PORTSIDE_LIVENESS_TIMEOUT_MS', 'silence after which a peer speaker counts as gone'],
    ['PORTSIDE_GRACEFUL_SHUTDOWN_MS', `on SIGTERM, announce GRACEFUL_SHUTDOWN this long before withdrawing (default ${DEFAULT_GRACEFUL_SHUTDOWN_MS})`],
    ['PORTSIDE_BGP_BACKEND', 'native, frr or host-frr, when --bgp-backend is not given'],
    ['PORTSIDE_FRR_CONFIG_DIR', 'frr: the shared directory, when --frr-config-dir is not given'],
    ['PORTSIDE_FRR_POLL_MS', `frr: how often the reloader's answer and FRR's sessions are read (default ${DEFAULT_FRR_POLL_MS})`],
    ['PORTSIDE_HOST_FRR_EXCLUDE', 'host-frr: the exclude list, when --host-frr-exclude is not given'],
    ['PORTSIDE_HOST_FRR_INTERFACE_KIND', 'host-frr connected mode: the link type the interface is created as, dummy (default) or ifb (a kernel without dummy support)'],
    ['PORTSIDE_HOST_FRR_RECONCILE_MS', `host-frr: how often FRR is compared with the plan (default ${DEFAULT_HOST_FRR_RECONCILE_MS})`],
  ],
  migrate: [],
};

const USAGE_LINE: Record<Command, string> = {
  controller: 'usage: portside controller [flags]',
  speaker: 'usage: portside speaker [flags]',
  migrate: 'usage: portside migrate [flags] [file...]   (no file or "-": stdin; converted objects on stdout, losses on stderr)',
};

export function commandOptions(command: Command): Readonly<Record<string, { type: string; default?: string | boolean }>> {
  return command === 'controller' ? CONTROLLER_OPTIONS : command === 'speaker' ? SPEAKER_OPTIONS : MIGRATE_OPTIONS;
}

function flagText(command: Command, name: string): string {
  if (name === 'metrics-addr') return `host:port or :port of /metrics and the health probes (default ${METRICS[command]})`;
  const text = FLAG_TEXT[name];
  if (text === undefined) throw new Error(`portside ${command}: flag --${name} has no help text (lib/cli/help.ts)`);
  const dflt = commandOptions(command)[name]?.default;
  return dflt === undefined ? text : `${text} (default ${dflt})`;
}

export function commandHelp(command: Command): string {
  const flags = Object.keys(commandOptions(command)).map((name) => `  --${name.padEnd(18)} ${flagText(command, name)}`);
  const env = ENV_TEXT[command].map(([name, text]) => `  ${name}\n      ${text}`);
  return [USAGE_LINE[command], '', 'flags:', ...flags, '', 'environment:', ...(env.length > 0 ? env : ['  none'])].join('\n');
}

/** Whether a command's arguments ask for its help (`--help` or `-h`). */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}
