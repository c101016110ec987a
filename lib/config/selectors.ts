// Lists of label selectors inside config objects: validated, duplicates rejected.
import { type LabelSelector, canonicalSelector, validateSelector } from '../selector/index.ts';
import type { ObjectIssues } from './issues.ts';

/** The valid selectors of the list at `field`; reports invalid and duplicate ones. */
export function selectorList(list: readonly LabelSelector[] | undefined, field: string, report: ObjectIssues): LabelSelector[] {
  const out: LabelSelector[] = [];
  const seen = new Map<string, number>();
  (list ?? []).forEach((sel, i) => {
    const at = `${field}[${i}]`;
    const problems = validateSelector(sel);
    for (const p of problems) report.error(p.field ? `${at}.${p.field}` : at, p.message);
    if (problems.length > 0) return;
    const key = canonicalSelector(sel);
    const first = seen.get(key);
    if (first !== undefined) {
      report.error(at, `duplicate selector: it selects the same as ${field}[${first}]; remove one`);
      return;
    }
    seen.set(key, i);
    out.push(sel);
  });
  return out;
}

/** A string list at `field` with duplicates and empty entries reported. */
export function nameList(list: readonly string[] | undefined, field: string, what: string, report: ObjectIssues): string[] {
  const out: string[] = [];
  (list ?? []).forEach((name, i) => {
    if (typeof name !== 'string' || name.trim() === '') {
      report.error(`${field}[${i}]`, `empty ${what} name: remove the entry or name a ${what}`);
    } else if (out.includes(name)) {
      report.error(`${field}[${i}]`, `${what} "${name}" is listed twice: remove the duplicate`);
    } else out.push(name);
  });
  return out;
}
