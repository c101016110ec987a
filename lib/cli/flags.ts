// Command-line flags (and the environment variables that stand in for flags) of `portside
// controller` and `portside speaker`, parsed without side effects.
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { parseListenAddress } from '../metrics/server.ts';
import { parseCidr } from '../ip/index.ts';
import { envWholeNumber, parseWholeNumber } from './numbers.ts';
import type { WholeNumberRule } from './numbers.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

export interface CommonFlags {
  kubeconfig: string | undefined;
  namespace: string;
  lbClass: string | undefined;
  metricsAddr: { host: string; port: number };
  logLevel: LogLevel;
}

export interface LeaseTimings {
  /** $PORTSIDE_LEASE_DURATION_MS, default 15 s. */
  durationMs: number;
  /** $PORTSIDE_LEASE_RENEW_DEADLINE_MS, default 10 s; less than the duration. */
  renewDeadlineMs: number;
  /** $PORTSIDE_LEASE_RETRY_PERIOD_MS, default 2 s. */
  retryPeriodMs: number;
}

export interface ControllerFlags extends CommonFlags {
  leaderElect: boolean;
  lease: LeaseTimings;
}

/** Wait with GRACEFUL_SHUTDOWN before withdrawing on SIGTERM: routers reroute meanwhile. */
export const DEFAULT_GRACEFUL_SHUTDOWN_MS = 2_000;

export interface SpeakerFlags extends CommonFlags {
  nodeName: string;
  livenessPort: number;
  /** $PORTSIDE_BGP_PORT; undefined: the BGP default, 179. */
  bgpPort: number | undefined;
  /** $PORTSIDE_LIVENESS_TIMEOUT_MS; undefined: the L2 liveness default. */
  livenessTimeoutMs: number | undefined;
  /** $PORTSIDE_GRACEFUL_SHUTDOWN_MS. */
  gracefulShutdownMs: number;
  /** --state-dir: this node's directory for the BGP restart marker; undefined: a restarted speaker never sets the Restart State bit. */
  stateDir: string | undefined;
  /** --bgp-backend / $PORTSIDE_BGP_BACKEND. */
  bgpBackend: BgpBackendFlags;
}

/** Who speaks BGP for this node: Portside itself, a sidecar FRR Portside configures, or the node's own FRR (Portside only feeds it prefixes). */
export type BgpBackendFlags =
  | { kind: 'native' }
  | {
    kind: 'frr';
    /** --frr-vtysh: the vtysh binary. */
    vtysh: string;
    /** --frr-vty-socket: the sidecar's vty socket directory (default /var/run/frr). */
    vtySocket: string;
    /** --frr-config-dir / $PORTSIDE_FRR_CONFIG_DIR: the directory shared with the reloader (frr.conf, reload.request, reload.status). */
    configDir: string;
    /** $PORTSIDE_FRR_POLL_MS: how often the reloader's answer and FRR's sessions are read. */
    pollMs: number;
  }
  | {
    kind: 'host-frr';
    /** --frr-vtysh: the vtysh binary. */
    vtysh: string;
    /** --frr-vty-socket: FRR's vty socket directory (vtysh --vty_socket); undefined: vtysh's default. */
    vtySocket: string | undefined;
    /** --host-frr-interface: where connected mode keeps the announced addresses (created as a dummy unless it is lo). */
    interface: string;
    /** --host-frr-exclude / $PORTSIDE_HOST_FRR_EXCLUDE: prefixes Portside never adds or removes, whatever the pools say. */
    exclude: string[];
    /** $PORTSIDE_HOST_FRR_RECONCILE_MS: how often FRR's state is compared with the plan (and FRR restarts caught). */
    reconcileMs: number;
  };

export const BGP_BACKENDS = ['native', 'host-frr', 'frr'] as const;
export const DEFAULT_HOST_FRR_INTERFACE = 'portside0';
export const DEFAULT_HOST_FRR_RECONCILE_MS = 10_000;
export const DEFAULT_FRR_VTY_SOCKET = '/var/run/frr';
export const DEFAULT_FRR_CONFIG_DIR = '/etc/frr-portside';
export const DEFAULT_FRR_POLL_MS = 3_000;

export type FlagsResult<T> = { ok: true; flags: T } | { ok: false; error: string };

const common = {
  kubeconfig: { type: 'string' },
  namespace: { type: 'string', default: 'portside-system' },
  'lb-class': { type: 'string' },
  'metrics-addr': { type: 'string' },
  'log-level': { type: 'string', default: 'info' },
} as const;

/** Parses "host:port", "[v6]:port" or ":port" (all interfaces, "::"); the metrics server's grammar. */
export function parseListenAddr(text: string): { host: string; port: number } | undefined {
  try {
    const { host, port } = parseListenAddress(text);
    return { host: host ?? '::', port };
  } catch {
    return undefined;
  }
}

function parseCommon(
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  defaultMetrics: string,
): FlagsResult<CommonFlags> {
  const metricsText = (values['metrics-addr'] as string | undefined) ?? defaultMetrics;
  const metricsAddr = parseListenAddr(metricsText);
  if (!metricsAddr) return { ok: false, error: `--metrics-addr "${metricsText}" is not host:port or :port` };
  const logLevel = values['log-level'] as string;
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    return { ok: false, error: `--log-level "${logLevel}" must be one of ${LOG_LEVELS.join(', ')}` };
  }
  const lbClass = values['lb-class'] as string | undefined;
  return {
    ok: true,
    flags: {
      kubeconfig: (values.kubeconfig as string | undefined) ?? (env.KUBECONFIG || undefined),
      namespace: values.namespace as string,
      lbClass: lbClass === '' ? undefined : lbClass,
      metricsAddr,
      logLevel: logLevel as LogLevel,
    },
  };
}

function parse(args: string[], options: ParseArgsOptionsConfig) {
  try {
    return { ok: true as const, values: parseArgs({ args, options, strict: true, allowPositionals: false }).values };
  } catch (err) {
    return { ok: false as const, error: (err as Error).message };
  }
}

const PORT: WholeNumberRule = { min: 1, max: 65535, what: 'a port number' };
const MILLISECONDS: WholeNumberRule = { min: 1, what: 'a whole number of milliseconds' };

function parseLease(env: NodeJS.ProcessEnv): FlagsResult<LeaseTimings> {
  const duration = envWholeNumber(env, 'PORTSIDE_LEASE_DURATION_MS', 15_000, MILLISECONDS);
  if (!duration.ok) return duration;
  const renew = envWholeNumber(env, 'PORTSIDE_LEASE_RENEW_DEADLINE_MS', 10_000, MILLISECONDS);
  if (!renew.ok) return renew;
  const retry = envWholeNumber(env, 'PORTSIDE_LEASE_RETRY_PERIOD_MS', 2_000, MILLISECONDS);
  if (!retry.ok) return retry;
  if (renew.value >= duration.value) {
    return {
      ok: false,
      error: `$PORTSIDE_LEASE_RENEW_DEADLINE_MS (${renew.value}) must be less than $PORTSIDE_LEASE_DURATION_MS (${duration.value})`,
    };
  }
  return { ok: true, flags: { durationMs: duration.value, renewDeadlineMs: renew.value, retryPeriodMs: retry.value } };
}

/** The flags each command accepts (lib/cli/help.ts describes every one). */
export const CONTROLLER_OPTIONS = { ...common, 'leader-elect': { type: 'string', default: 'true' } } as const;
export const SPEAKER_OPTIONS = {
  ...common, 'node-name': { type: 'string' }, 'liveness-port': { type: 'string', default: '7946' }, 'state-dir': { type: 'string' },
  'bgp-backend': { type: 'string' }, 'frr-vtysh': { type: 'string', default: 'vtysh' }, 'frr-vty-socket': { type: 'string' },
  'host-frr-interface': { type: 'string', default: DEFAULT_HOST_FRR_INTERFACE }, 'host-frr-exclude': { type: 'string' },
  'frr-config-dir': { type: 'string' },
} as const;

/** `portside migrate`: positionals are the files to read ("-" or none: stdin). */
export const MIGRATE_OPTIONS = {
  check: { type: 'boolean', default: false },
  namespace: { type: 'string', default: 'portside-system' },
} as const;

export function parseControllerFlags(args: string[], env: NodeJS.ProcessEnv = {}): FlagsResult<ControllerFlags> {
  const parsed = parse(args, CONTROLLER_OPTIONS);
  if (!parsed.ok) return parsed;
  const c = parseCommon(parsed.values, env, ':7472');
  if (!c.ok) return c;
  const le = parsed.values['leader-elect'];
  if (le !== 'true' && le !== 'false') return { ok: false, error: `--leader-elect must be true or false, got "${String(le)}"` };
  const lease = parseLease(env);
  if (!lease.ok) return lease;
  return { ok: true, flags: { ...c.flags, leaderElect: le === 'true', lease: lease.flags } };
}

export function parseSpeakerFlags(args: string[], env: NodeJS.ProcessEnv = {}): FlagsResult<SpeakerFlags> {
  const parsed = parse(args, SPEAKER_OPTIONS);
  if (!parsed.ok) return parsed;
  const c = parseCommon(parsed.values, env, ':7473');
  if (!c.ok) return c;
  const nodeName = (parsed.values['node-name'] as string | undefined) ?? env.NODE_NAME;
  if (!nodeName) return { ok: false, error: '--node-name is required (or set $NODE_NAME)' };
  const livenessPort = parseWholeNumber('--liveness-port', parsed.values['liveness-port'] as string, PORT);
  if (!livenessPort.ok) return livenessPort;
  const bgpPort = envWholeNumber(env, 'PORTSIDE_BGP_PORT', undefined, PORT);
  if (!bgpPort.ok) return bgpPort;
  const livenessTimeout = envWholeNumber(env, 'PORTSIDE_LIVENESS_TIMEOUT_MS', undefined, MILLISECONDS);
  if (!livenessTimeout.ok) return livenessTimeout;
  const grace = envWholeNumber(env, 'PORTSIDE_GRACEFUL_SHUTDOWN_MS', DEFAULT_GRACEFUL_SHUTDOWN_MS, { ...MILLISECONDS, min: 0 });
  if (!grace.ok) return grace;
  const backend = parseBgpBackend(parsed.values, env);
  if (!backend.ok) return backend;
  return {
    ok: true,
    flags: {
      ...c.flags, nodeName, livenessPort: livenessPort.value,
      bgpPort: bgpPort.value, livenessTimeoutMs: livenessTimeout.value, gracefulShutdownMs: grace.value,
      stateDir: (parsed.values['state-dir'] as string | undefined) || undefined,
      bgpBackend: backend.flags,
    },
  };
}

function parseBgpBackend(values: Record<string, unknown>, env: NodeJS.ProcessEnv): FlagsResult<BgpBackendFlags> {
  const kind = (values['bgp-backend'] as string | undefined) || env.PORTSIDE_BGP_BACKEND || 'native';
  if (kind === 'native') return { ok: true, flags: { kind } };
  if (kind === 'frr') {
    const poll = envWholeNumber(env, 'PORTSIDE_FRR_POLL_MS', DEFAULT_FRR_POLL_MS, { ...MILLISECONDS, min: 100 });
    if (!poll.ok) return poll;
    return {
      ok: true,
      flags: {
        kind, vtysh: values['frr-vtysh'] as string, vtySocket: (values['frr-vty-socket'] as string | undefined) || DEFAULT_FRR_VTY_SOCKET,
        configDir: (values['frr-config-dir'] as string | undefined) || env.PORTSIDE_FRR_CONFIG_DIR || DEFAULT_FRR_CONFIG_DIR, pollMs: poll.value,
      },
    };
  }
  if (kind !== 'host-frr') return { ok: false, error: `--bgp-backend "${kind}" must be one of ${BGP_BACKENDS.join(', ')}` };
  const ifname = values['host-frr-interface'] as string;
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(ifname)) return { ok: false, error: `--host-frr-interface "${ifname}" is not an interface name` };
  const excludeText = (values['host-frr-exclude'] as string | undefined) ?? env.PORTSIDE_HOST_FRR_EXCLUDE ?? '';
  const exclude = excludeText.split(',').map((e) => e.trim()).filter(Boolean);
  const bad = exclude.find((e) => !parseCidr(e.includes('/') ? e : `${e}/${e.includes(':') ? 128 : 32}`).ok);
  if (bad !== undefined) return { ok: false, error: `--host-frr-exclude: "${bad}" is not an address or CIDR` };
  const reconcile = envWholeNumber(env, 'PORTSIDE_HOST_FRR_RECONCILE_MS', DEFAULT_HOST_FRR_RECONCILE_MS, { ...MILLISECONDS, min: 100 });
  if (!reconcile.ok) return reconcile;
  return {
    ok: true,
    flags: {
      kind, vtysh: values['frr-vtysh'] as string, vtySocket: (values['frr-vty-socket'] as string | undefined) || undefined,
      interface: ifname, exclude, reconcileMs: reconcile.value,
    },
  };
}
