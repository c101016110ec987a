// Installs the CRDs under crds/*.yaml into a test control plane and waits until each
// is Established (served), so a test never races the apiserver's discovery.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { apiFailureOf } from '../lib/k8s/errors.ts';
import { serverSideApply } from './k8s/patch.ts';
import { waitFor } from './wait.ts';

export const CRD_DIR = new URL('../crds/', import.meta.url).pathname;

/** Every CustomResourceDefinition document in `dir/*.yaml` (none yet is not an error). */
export async function readCrds(dir = CRD_DIR): Promise<V1CustomResourceDefinition[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  } catch {
    return [];
  }
  const crds: V1CustomResourceDefinition[] = [];
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`, { cause: doc.errors[0] });
      const obj = doc.toJS() as V1CustomResourceDefinition | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  return crds;
}

function established(crd: V1CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

export interface CrdInstall {
  /** Installed and Established. */
  installed: string[];
  /** Rejected by the apiserver (e.g. a CEL rule over the cost budget), with its message. */
  failed: { name: string; message: string }[];
}

/** Applies the CRDs (server-side apply, so re-running is harmless) and waits for Established. */
export async function installCrds(kc: KubeConfig, dir = CRD_DIR, timeoutMs = 30_000): Promise<CrdInstall> {
  const crds = await readCrds(dir);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const result: CrdInstall = { installed: [], failed: [] };
  for (const crd of crds) {
    const name = crd.metadata?.name;
    if (!name) throw new Error('a CRD in crds/ has no metadata.name');
    try {
      await api.patchCustomResourceDefinition(
        { name, body: crd, fieldManager: 'portside-test', force: true },
        serverSideApply(),
      );
      result.installed.push(name);
    } catch (err) {
      result.failed.push({ name, message: apiFailureOf(err).message });
    }
  }
  await Promise.all(
    result.installed.map((name) =>
      waitFor(async () => established(await api.readCustomResourceDefinition({ name })), {
        timeoutMs,
        intervalMs: 50,
        what: `CRD ${name} Established`,
      }),
    ),
  );
  return result;
}
