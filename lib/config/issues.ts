// Collects errors and warnings while the config is built; a builder never throws.
import type { ConfigError, ConfigKind, ConfigWarning } from './types.ts';

export class Issues {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigWarning[] = [];
  /** kind/name → namespace, so every problem of an object names it in full. */
  private readonly namespaces = new Map<string, string>();

  /** Problems reported on `kind`/`name` from now on carry `namespace`. */
  locate(kind: ConfigKind, name: string, namespace: string | undefined): void {
    if (namespace) this.namespaces.set(`${kind}/${name}`, namespace);
  }

  error(kind: ConfigKind, name: string, field: string, message: string): void {
    this.errors.push(this.problem(kind, name, field, message));
  }

  warn(kind: ConfigKind, name: string, field: string, message: string): void {
    this.warnings.push(this.problem(kind, name, field, message));
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

  private problem(kind: ConfigKind, name: string, field: string, message: string): ConfigError {
    const namespace = this.namespaces.get(`${kind}/${name}`);
    return namespace === undefined ? { kind, name, field, message } : { kind, namespace, name, field, message };
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
