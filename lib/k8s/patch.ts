// The Content-Type of each patch strategy. Custom resources reject strategic merge patch:
// every patch names its strategy explicitly.
export const PatchType = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export type PatchType = (typeof PatchType)[keyof typeof PatchType];
