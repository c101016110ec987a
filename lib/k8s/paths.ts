// REST paths of the objects the programs read and write (the apiserver's URL layout).
export interface CustomResourceRef {
  group: string;
  version: string;
  plural: string;
  namespace: string;
}

/** `<prefix>/namespaces/<ns>/<plural>[/<name>[/status]]`, e.g. prefix `/api/v1` or `/apis/coordination.k8s.io/v1`. */
export function namespacedPath(prefix: string, plural: string, namespace: string, name?: string, subresource?: 'status'): string {
  const base = `${prefix}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
  if (name === undefined) return base;
  return `${base}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
}

/** A namespaced custom resource's collection, or one object of it (and its status). */
export const customPath = (ref: CustomResourceRef, name?: string, subresource?: 'status'): string =>
  namespacedPath(`/apis/${ref.group}/${ref.version}`, ref.plural, ref.namespace, name, subresource);

/** A namespaced core/v1 collection, or one object of it (and its status). */
export const corePath = (plural: string, namespace: string, name?: string, subresource?: 'status'): string =>
  namespacedPath('/api/v1', plural, namespace, name, subresource);
