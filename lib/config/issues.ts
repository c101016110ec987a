// Collects errors and warnings while the config is built; a builder never throws.
import type { ConfigError, ConfigKind, ConfigWarning } from './types.ts';

export class Issues {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigWarning[] = [];

  error(kind: ConfigKind, name: string, field: string, message: string): void {
    this.errors.push({ kind, name, field, message });
  }

  warn(kind: ConfigKind, name: string, field: string, message: string): void {
    this.warnings.push({ kind, name, field, message });
  }

  /** Runs `fn`; an exception becomes an error on the object instead of escaping. */
  guard<T>(kind: ConfigKind, name: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.error(kind, name, '', `unexpected error while reading this object (${detail}): check it is well-formed`);
      return undefined;
    }
  }
}

/** Reports errors for one object. */
export interface ObjectIssues {
  error(field: string, message: string): void;
  warn(field: string, message: string): void;
}

export function forObject(issues: Issues, kind: ConfigKind, name: string): ObjectIssues {
  return {
    error: (field, message) => issues.error(kind, name, field, message),
    warn: (field, message) => issues.warn(kind, name, field, message),
  };
}
