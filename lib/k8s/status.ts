// Writes status through the status subresource with a JSON merge patch (custom resources
// reject strategic merge). `update` reads, recomputes and patches with a resourceVersion
// precondition, retrying on 409 Conflict, so a decision is never made on stale data.
import { isConflict } from './errors.ts';
import type { JsonClient } from './json-client.ts';
import type { KubeApi } from './kube-api.ts';
import { corePath, customPath } from './paths.ts';

export type StatusTarget =
  | { kind: 'Service'; namespace: string; name: string }
  | { group: string; version: string; plural: string; namespace: string; name: string };

export interface StatusObject {
  metadata?: { resourceVersion?: string };
  status?: unknown;
}

export interface UpdateOptions {
  attempts?: number;
  /** Pause between conflict retries; doubles each time. Default 10 ms. */
  retryBaseMs?: number;
}

function statusPath(target: StatusTarget): string {
  if ('kind' in target) return corePath('services', target.namespace, target.name, 'status');
  return customPath(target, target.name, 'status');
}

export class StatusWriter {
  private readonly json: JsonClient;
  private readonly fieldManager: string;

  constructor(api: KubeApi, fieldManager: string) {
    this.json = api.json;
    this.fieldManager = fieldManager;
  }

  /** Merge-patches `status` (no precondition unless `resourceVersion` is given). */
  patch(target: StatusTarget, status: unknown, resourceVersion?: string): Promise<StatusObject> {
    const body: Record<string, unknown> = { status };
    if (resourceVersion) body.metadata = { resourceVersion };
    return this.json.mergePatch<StatusObject>(statusPath(target), body, { fieldManager: this.fieldManager });
  }

  read(target: StatusTarget): Promise<StatusObject> {
    return this.json.get<StatusObject>(statusPath(target));
  }

  /**
   * Reads the object, asks `compute` for the new status (undefined = nothing to write) and
   * patches it guarded by the read's resourceVersion; on conflict, reads and computes again.
   */
  async update<T extends StatusObject>(
    target: StatusTarget,
    compute: (current: T) => unknown | Promise<unknown>,
    opts: UpdateOptions = {},
  ): Promise<StatusObject | undefined> {
    const attempts = opts.attempts ?? 5;
    let delay = opts.retryBaseMs ?? 10;
    for (let attempt = 1; ; attempt++) {
      const current = (await this.read(target)) as T;
      const status = await compute(current);
      if (status === undefined) return undefined;
      try {
        return await this.patch(target, status, current.metadata?.resourceVersion);
      } catch (err) {
        if (!isConflict(err) || attempt >= attempts) throw err;
        await new Promise((r) => setTimeout(r, delay));
        delay *= 2;
      }
    }
  }
}
