// Pure: YAML documents as read (CRs, Lists of them, MetalLB's legacy ConfigMap) → Portside objects.
import { parse } from 'yaml';
import { type Converted, convertObjects, type Loss, type Obj } from './convert.ts';
import { legacyToCRs } from './legacy.ts';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flattens Lists and expands a legacy ConfigMap (data.config) into metallb.io CRs. */
function metallbObjects(docs: readonly unknown[], namespace: string, lost: Loss[]): Obj[] {
  const out: Obj[] = [];
  for (const d of docs) {
    if (!isObj(d)) continue; // an empty document
    if (Array.isArray(d.items)) {
      out.push(...metallbObjects(d.items, namespace, lost));
    } else if (d.kind === 'ConfigMap' && d.apiVersion === 'v1') {
      const text = isObj(d.data) ? d.data.config : undefined;
      let config: unknown;
      try {
        config = typeof text === 'string' ? parse(text) : undefined;
      } catch (err) {
        lost.push({ object: 'ConfigMap config', field: 'data.config', why: `not YAML: ${(err as Error).message}` });
        continue;
      }
      if (isObj(config)) out.push(...legacyToCRs(config, namespace, lost));
      else lost.push({ object: 'ConfigMap', field: 'data.config', why: 'no MetalLB configuration in it' });
    } else {
      out.push(d);
    }
  }
  return out;
}

export function migrateDocuments(docs: readonly unknown[], namespace: string): Converted {
  const lost: Loss[] = [];
  const objects = metallbObjects(docs, namespace, lost);
  const converted = convertObjects(objects, namespace);
  return { objects: converted.objects, lost: [...lost, ...converted.lost] };
}
