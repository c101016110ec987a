// Kubernetes label selectors (metav1.LabelSelector): matching, validation, canonical form.

/** Structurally identical to V1LabelSelector from @kubernetes/client-node. */
export interface LabelSelector {
  matchLabels?: Readonly<Record<string, string>> | undefined;
  matchExpressions?: readonly LabelSelectorRequirement[] | undefined;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: readonly string[] | undefined;
}

export type Labels = Readonly<Record<string, string>>;

export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

export interface SelectorError {
  /** Path below the selector, e.g. `matchExpressions[0].operator`. */
  readonly field: string;
  readonly message: string;
}

function has(labels: Labels, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

function requirementMatches(req: LabelSelectorRequirement, labels: Labels): boolean {
  const present = has(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In': return present && values.includes(labels[req.key]!);
    case 'NotIn': return !present || !values.includes(labels[req.key]!);
    case 'Exists': return present;
    case 'DoesNotExist': return !present;
    default: return false; // An invalid selector matches nothing, as LabelSelectorAsSelector fails.
  }
}

/** True when the labels satisfy every term; the empty selector `{}` matches everything. */
export function matchesSelector(selector: LabelSelector, labels: Labels | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(l, k) || l[k] !== v) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => requirementMatches(req, l));
}

/** True when any selector matches; an empty list matches nothing (callers decide what "none given" means). */
export function matchesAnySelector(selectors: readonly LabelSelector[], labels: Labels | undefined): boolean {
  return selectors.some((s) => matchesSelector(s, labels));
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a label key is invalid (Kubernetes qualified name), or undefined when valid. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `label key "${key}" has an invalid prefix: it must be a lower-case DNS subdomain of at most 253 characters`;
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    return `label key "${key}" is invalid: the name part must be 1-63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric`;
  }
  return undefined;
}

/** Why a label value is invalid, or undefined when valid (the empty value is valid). */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value)) {
    return `label value "${value}" is invalid: it must be at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric`;
  }
  return undefined;
}

/** Every problem in the selector; an empty list means it is valid. Never throws on malformed input. */
export function validateSelector(selector: LabelSelector): SelectorError[] {
  const errors: SelectorError[] = [];
  if (selector === null || typeof selector !== 'object') {
    return [{ field: '', message: 'a label selector must be an object with matchLabels and/or matchExpressions' }];
  }
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    const field = `matchLabels["${k}"]`;
    const keyProblem = labelKeyProblem(k);
    if (keyProblem) errors.push({ field, message: keyProblem });
    if (typeof v !== 'string') errors.push({ field, message: 'a matchLabels value must be a string' });
    else {
      const valueProblem = labelValueProblem(v);
      if (valueProblem) errors.push({ field, message: valueProblem });
    }
  }
  (selector.matchExpressions ?? []).forEach((req, i) => errors.push(...validateRequirement(req, `matchExpressions[${i}]`)));
  return errors;
}

function validateRequirement(req: LabelSelectorRequirement, at: string): SelectorError[] {
  const errors: SelectorError[] = [];
  if (typeof req?.key !== 'string') return [{ field: `${at}.key`, message: 'key is required' }];
  const keyProblem = labelKeyProblem(req.key);
  if (keyProblem) errors.push({ field: `${at}.key`, message: keyProblem });
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        errors.push({ field: `${at}.values`, message: `operator ${req.operator} needs at least one value` });
      }
      values.forEach((v, j) => {
        const p = typeof v === 'string' ? labelValueProblem(v) : 'a value must be a string';
        if (p) errors.push({ field: `${at}.values[${j}]`, message: p });
      });
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errors.push({ field: `${at}.values`, message: `operator ${req.operator} takes no values: remove them` });
      }
      break;
    default:
      errors.push({
        field: `${at}.operator`,
        message: `unknown operator "${String(req.operator)}": use one of ${SELECTOR_OPERATORS.join(', ')}`,
      });
  }
  return errors;
}

/**
 * A stable text for the selector: equal for selectors that differ only in order, repeated
 * values or terms, or in writing `k: v` as `k In [v]`. The API's duplicate-selector rule
 * uses the same one.
 */
export { canonicalSelector } from '../../crds/index.ts';
