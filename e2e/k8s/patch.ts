// client-node request options that pin a patch's Content-Type, for the harnesses' client-node
// calls: client-node 2.x otherwise sends application/json-patch+json, and custom resources
// reject strategic merge patch. Shipped code patches through lib/k8s's own client.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ConfigurationOptions } from '@kubernetes/client-node';

export function patchOptions(strategy: PatchStrategy): ConfigurationOptions {
  return setHeaderOptions('Content-Type', strategy);
}

export const mergePatch = (): ConfigurationOptions => patchOptions(PatchStrategy.MergePatch);
export const serverSideApply = (): ConfigurationOptions => patchOptions(PatchStrategy.ServerSideApply);
export const jsonPatch = (): ConfigurationOptions => patchOptions(PatchStrategy.JsonPatch);
