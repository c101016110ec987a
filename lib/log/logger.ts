// pino loggers whose every line carries `component` and a stable `event` key: the event is
// the first argument, so a line without one does not compile.
import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** Structured fields; `err` is serialized with type, message and stack; `msg` is the human text. */
export type LogFields = Record<string, unknown> & { err?: unknown; msg?: string };

export interface Logger {
  readonly level: LogLevel;
  trace(event: string, fields?: LogFields): void;
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger whose lines also carry `bindings` (e.g. { service: 'ns/name' }). */
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled(level: LogLevel): boolean;
}

export interface CreateLoggerOptions {
  component: string;
  level?: LogLevel;
  /** Where lines go; default stdout. Tests pass a memory stream. */
  destination?: DestinationStream;
}

function wrap(p: PinoLogger): Logger {
  const at =
    (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') =>
    (event: string, fields: LogFields = {}): void => {
      const { msg, ...rest } = fields;
      if (msg === undefined) p[level]({ ...rest, event });
      else p[level]({ ...rest, event }, msg);
    };
  return {
    get level() {
      return p.level as LogLevel;
    },
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (bindings) => wrap(p.child(bindings)),
    isLevelEnabled: (level) => p.isLevelEnabled(level),
  };
}

export function createLogger(opts: CreateLoggerOptions): Logger {
  const p = pino(
    {
      level: opts.level ?? 'info',
      base: { component: opts.component },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    opts.destination ?? pino.destination({ fd: 1, sync: false }),
  );
  return wrap(p);
}
