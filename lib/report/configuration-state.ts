// ConfigurationState: one object per component (`controller`, `speaker-<node>`) whose status
// says whether the configuration it runs is valid, and if not, what is wrong.
import type { V1Condition } from '@kubernetes/client-node';

export interface ConfigProblem {
  readonly kind: string;
  readonly name: string;
  readonly field: string;
  readonly message: string;
}

export interface ConfigurationStateStatus {
  result: 'Valid' | 'Invalid' | 'Unknown';
  errorSummary: string;
  conditions: V1Condition[];
}

export function problemText(p: ConfigProblem): string {
  return `${p.kind}/${p.name} ${p.field}: ${p.message}`;
}

/**
 * Pure: the status for a configuration load. `errors` empty = valid. `stale` = an invalid
 * configuration was rejected and the last valid one keeps serving.
 */
export function configurationStatus(
  errors: readonly ConfigProblem[],
  opts: { stale: boolean; now: Date; generation?: number; warnings?: readonly ConfigProblem[] },
): ConfigurationStateStatus {
  const valid = errors.length === 0;
  const condition: V1Condition = {
    type: 'ConfigurationValid',
    status: valid ? 'True' : 'False',
    reason: valid ? 'ConfigurationLoaded' : 'ConfigurationError',
    message: valid
      ? 'configuration is valid and in use'
      : `${errors.length} error(s); ${opts.stale ? 'the last valid configuration keeps serving' : 'no valid configuration yet'}`,
    lastTransitionTime: opts.now,
  };
  const warnings = opts.warnings ?? [];
  // Not errors (the result stays Valid): e.g. an advertisement naming a pool that does not exist.
  const warned: V1Condition[] = warnings.length === 0 ? [] : [{
    type: 'ConfigurationWarnings',
    status: 'True',
    reason: 'ConfigurationWarning',
    message: truncateSummary(warnings.map(problemText).join('; ')),
    lastTransitionTime: opts.now,
  }];
  return {
    result: valid ? 'Valid' : 'Invalid',
    errorSummary: valid ? '' : truncateSummary(errors.map(problemText).join('; ')),
    conditions: [condition, ...warned],
  };
}

export const MAX_ERROR_SUMMARY = 32_768;

export function truncateSummary(text: string): string {
  return text.length <= MAX_ERROR_SUMMARY ? text : `${text.slice(0, MAX_ERROR_SUMMARY - 20)} … (truncated)`;
}
