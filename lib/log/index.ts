export { createLogger, isLogLevel, LOG_LEVELS } from './logger.ts';
export type { CreateLoggerOptions, LogFields, Logger, LogLevel } from './logger.ts';
