// Pure: MetalLB objects (metallb.io v1beta1/v1beta2 CRs) → portside.dev objects, and every
// field that cannot be carried over. Field names are MetalLB's, so a field Portside's schema
// does not know (e.g. asPathPrepend) is the one thing lost.
import { API_VERSION, isPortsideKind } from '../../crds/index.ts';
import type { PortsideKind } from '../../crds/index.ts';
import { specFieldsOf } from './schema-fields.ts';

export type Obj = Record<string, unknown>;

/** One thing that cannot be carried: which object, which field, and why. */
export interface Loss {
  readonly object: string;
  readonly field: string;
  readonly why: string;
}

export interface Converted {
  readonly objects: Obj[];
  readonly lost: Loss[];
}

const METALLB_GROUP = 'metallb.io';
/** Kinds MetalLB users keep that Portside writes itself: nothing to migrate. */
const STATUS_ONLY = new Set(['ConfigurationState', 'ServiceL2Status', 'ServiceBGPStatus']);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function label(obj: Obj): string {
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  return `${String(obj.kind)}/${String(meta.name ?? '?')}`;
}

/** Keeps the fields the Portside schema knows; reports the rest (recursing into objects the schema describes). */
function carry(value: Obj, known: ReturnType<typeof specFieldsOf>, path: string, object: string, lost: Loss[]): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    const field = known?.get(k);
    if (field === undefined) {
      lost.push({ object, field: `${path}.${k}`, why: 'Portside has no such field' });
      continue;
    }
    out[k] = field !== null && isObj(v) ? carry(v, field, `${path}.${k}`, object, lost) : v;
  }
  return out;
}

/** One metallb.io object → its portside.dev counterpart (undefined when there is none). */
export function convertObject(obj: Obj, namespace: string, lost: Loss[]): Obj | undefined {
  const apiVersion = String(obj.apiVersion ?? '');
  const kind = obj.kind;
  const object = label(obj);
  if (!apiVersion.startsWith(`${METALLB_GROUP}/`)) {
    lost.push({ object, field: 'apiVersion', why: `${apiVersion || 'no apiVersion'} is not a MetalLB API (only metallb.io objects and the legacy ConfigMap are read)` });
    return undefined;
  }
  if (typeof kind === 'string' && STATUS_ONLY.has(kind)) return undefined;
  if (!isPortsideKind(kind)) {
    lost.push({ object, field: 'kind', why: `Portside has no kind ${String(kind)}` });
    return undefined;
  }
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const metadata: Obj = { name: meta.name, namespace };
  if (isObj(meta.labels)) metadata.labels = meta.labels;
  const spec = isObj(obj.spec) ? carry(obj.spec, specFieldsOf(kind as PortsideKind), 'spec', object, lost) : undefined;
  return { apiVersion: API_VERSION, kind, metadata, ...(spec ? { spec } : {}) };
}

export function convertObjects(objects: readonly Obj[], namespace: string): Converted {
  const lost: Loss[] = [];
  const out: Obj[] = [];
  for (const o of objects) {
    const c = convertObject(o, namespace, lost);
    if (c) out.push(c);
  }
  return { objects: out, lost };
}
