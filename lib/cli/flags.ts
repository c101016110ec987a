// Command-line flags of `portside controller` and `portside speaker`, parsed without side effects.
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { parseListenAddress } from '../metrics/server.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

export interface CommonFlags {
  kubeconfig: string | undefined;
  namespace: string;
  lbClass: string | undefined;
  metricsAddr: { host: string; port: number };
  logLevel: LogLevel;
}

export interface ControllerFlags extends CommonFlags {
  leaderElect: boolean;
}

export interface SpeakerFlags extends CommonFlags {
  nodeName: string;
  livenessPort: number;
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

export function parseControllerFlags(args: string[], env: NodeJS.ProcessEnv = {}): FlagsResult<ControllerFlags> {
  const parsed = parse(args, { ...common, 'leader-elect': { type: 'string', default: 'true' } });
  if (!parsed.ok) return parsed;
  const c = parseCommon(parsed.values, env, ':7472');
  if (!c.ok) return c;
  const le = parsed.values['leader-elect'];
  if (le !== 'true' && le !== 'false') return { ok: false, error: `--leader-elect must be true or false, got "${String(le)}"` };
  return { ok: true, flags: { ...c.flags, leaderElect: le === 'true' } };
}

export function parseSpeakerFlags(args: string[], env: NodeJS.ProcessEnv = {}): FlagsResult<SpeakerFlags> {
  const parsed = parse(args, { ...common, 'node-name': { type: 'string' }, 'liveness-port': { type: 'string', default: '7946' } });
  if (!parsed.ok) return parsed;
  const c = parseCommon(parsed.values, env, ':7473');
  if (!c.ok) return c;
  const nodeName = (parsed.values['node-name'] as string | undefined) ?? env.NODE_NAME;
  if (!nodeName) return { ok: false, error: '--node-name is required (or set $NODE_NAME)' };
  const portText = parsed.values['liveness-port'] as string;
  const livenessPort = Number(portText);
  if (!/^[0-9]{1,5}$/.test(portText) || livenessPort < 1 || livenessPort > 65535) {
    return { ok: false, error: `--liveness-port "${portText}" must be a port number 1..65535` };
  }
  return { ok: true, flags: { ...c.flags, nodeName, livenessPort } };
}
