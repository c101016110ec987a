// The last line of every answer, and the exit code it makes.
export interface Verdict {
  healthy: boolean;
  /** What is the case, in one sentence. */
  summary: string;
  /** What to do next ("nothing to do" when healthy). */
  next: string;
}

export const EXIT_HEALTHY = 0;
export const EXIT_UNHEALTHY = 1;
/** A usage error, or the API could not be asked. */
export const EXIT_USAGE = 2;

export function exitCode(v: Verdict): number {
  return v.healthy ? EXIT_HEALTHY : EXIT_UNHEALTHY;
}
