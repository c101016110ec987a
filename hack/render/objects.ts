// Kubernetes objects as the tests see them: parsed YAML documents with an identity.
import { parseAllDocuments } from 'yaml';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/** `group/version Kind namespace/name`: unique within one install. */
export function idOf(o: KubeObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Every non-empty document of a YAML stream; throws on a parse error or a document without identity. */
export function parseObjects(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]?.message}`, { cause: doc.errors[0] });
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const o = value as Partial<KubeObject>;
    if (typeof o !== 'object' || !o.apiVersion || !o.kind || typeof o.metadata?.name !== 'string') {
      throw new Error(`${source}: a document without apiVersion, kind and metadata.name`);
    }
    out.push(o as KubeObject);
  }
  return out;
}

