// Command-line flags (and the environment variables that stand in for flags) of `portside
// controller` and `portside speaker`, parsed without side effects.
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { parseListenAddress } from '../metrics/server.ts';
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
}

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
export const SPEAKER_OPTIONS = { ...common, 'node-name': { type: 'string' }, 'liveness-port': { type: 'string', default: '7946' }, 'state-dir': { type: 'string' } } as const;

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
  return {
    ok: true,
    flags: {
      ...c.flags, nodeName, livenessPort: livenessPort.value,
      bgpPort: bgpPort.value, livenessTimeoutMs: livenessTimeout.value, gracefulShutdownMs: grace.value,
      stateDir: (parsed.values['state-dir'] as string | undefined) || undefined,
    },
  };
}
