// Kubernetes label selectors (metav1.LabelSelector): matching and canonical form. Their
// validity is the API's (crds/source/common.ts), checked once when an object is parsed.

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

/**
 * A stable text for the selector: equal for selectors that differ only in order, repeated
 * values or terms, or in writing `k: v` as `k In [v]`. The API's duplicate-selector rule
 * uses the same one.
 */
export { canonicalSelector } from '../../crds/index.ts';
