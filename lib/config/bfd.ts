// BFDProfile → BfdProfile with FRR's defaults.
import { BFD_PROFILE_DEFAULTS as D } from './bfd-defaults.ts';
import { type Issues, type ObjectIssues, forObject } from './issues.ts';
import type { BFDProfileInput } from './resources.ts';
import type { BfdProfile } from './types.ts';

function bounded(value: number | undefined, dflt: number, min: number, max: number, field: string, unit: string, report: ObjectIssues): number {
  if (value === undefined || value === null) return dflt;
  if (!Number.isInteger(value) || value < min || value > max) {
    report.error(field, `${String(value)} is out of range: use a whole number ${min}-${max}${unit}`);
  }
  return value;
}

export function buildBfdProfile(obj: BFDProfileInput, issues: Issues): BfdProfile | undefined {
  const name = obj.metadata.name ?? '';
  const report = forObject(issues, 'BFDProfile', name);
  const spec = obj.spec ?? {};
  const before = issues.errors.length;
  const profile: BfdProfile = {
    name,
    receiveIntervalMs: bounded(spec.receiveInterval, D.receiveIntervalMs, 10, 60000, 'spec.receiveInterval', ' ms', report),
    transmitIntervalMs: bounded(spec.transmitInterval, D.transmitIntervalMs, 10, 60000, 'spec.transmitInterval', ' ms', report),
    detectMultiplier: bounded(spec.detectMultiplier, D.detectMultiplier, 2, 255, 'spec.detectMultiplier', '', report),
    echoIntervalMs: bounded(spec.echoInterval, D.echoIntervalMs, 10, 60000, 'spec.echoInterval', ' ms', report),
    echoMode: spec.echoMode ?? D.echoMode,
    passiveMode: spec.passiveMode ?? D.passiveMode,
    minimumTtl: bounded(spec.minimumTtl, D.minimumTtl, 1, 254, 'spec.minimumTtl', '', report),
  };
  return issues.errors.length > before ? undefined : profile;
}
