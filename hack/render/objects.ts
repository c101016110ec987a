// Kubernetes objects as the renderers see them: parsed YAML documents with an identity.
import { parseAllDocuments, stringify } from 'yaml';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/** Reads a file's text; the renderers take one so generated files can be checked in memory. */
export type ReadText = (path: string) => Promise<string>;

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

/** One YAML stream, documents separated by `---`; no line folding, so output is stable. */
export function toYamlStream(objects: readonly KubeObject[], header: string): string {
  return header + objects.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join('');
}
