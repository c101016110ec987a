// The list and watch calls an informer needs, as a small port: the API implementation streams
// the watch through the JsonClient; tests of the supervisor's loop can pass a scripted one.
import type { KubernetesObject } from '@kubernetes/client-node';
import { statusCodeOf } from './errors.ts';
import type { KubeApi } from './kube-api.ts';

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

/** How a watch ended: closed normally (resume from the last RV), gone (410: relist), or failed. */
export type WatchEnd = { kind: 'closed' } | { kind: 'gone'; message: string } | { kind: 'error'; error: unknown };

export interface ListWatch<T> {
  list(signal?: AbortSignal): Promise<ListResult<T>>;
  watch(resourceVersion: string, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<WatchEnd>;
}

export interface ApiListWatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Server-side watch timeout; randomised per watch in [t, 2t) like client-go. Default 300 s. */
  watchTimeoutSeconds?: number;
  listTimeoutMs?: number;
}

interface StatusObject {
  kind?: string;
  code?: number;
  message?: string;
}

/** List+watch of the collection at `path`, e.g. `/api/v1/services` or `/apis/portside.dev/v1beta1/namespaces/x/ipaddresspools`. */
export function apiListWatch<T extends KubernetesObject>(
  api: KubeApi,
  path: string,
  opts: ApiListWatchOptions = {},
): ListWatch<T> {
  const selectors: Record<string, string> = {};
  if (opts.labelSelector) selectors.labelSelector = opts.labelSelector;
  if (opts.fieldSelector) selectors.fieldSelector = opts.fieldSelector;
  const baseTimeout = opts.watchTimeoutSeconds ?? 300;
  return {
    async list(signal) {
      const list = await api.json.request<{ items?: T[]; metadata?: { resourceVersion?: string } }>('GET', path, {
        query: selectors, timeoutMs: opts.listTimeoutMs ?? 60_000, signal,
      });
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
    },

    async watch(resourceVersion, onEvent, signal) {
      let end: WatchEnd | undefined;
      const local = new AbortController();
      const abort = (): void => local.abort();
      signal.addEventListener('abort', abort, { once: true });
      const timeoutSeconds = Math.floor(baseTimeout * (1 + Math.random()));
      const query = { ...selectors, resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: String(timeoutSeconds) };
      const onLine = (line: unknown): void => {
        if (end) return;
        const { type, object } = (line ?? {}) as { type?: string; object?: unknown };
        if (type === 'ERROR') {
          const status = object as StatusObject | undefined;
          const message = status?.message ?? 'watch error';
          end = status?.code === 410 ? { kind: 'gone', message } : { kind: 'error', error: new Error(message) };
          local.abort();
          return;
        }
        onEvent({ type: type as WatchEventType, object: object as T });
      };
      try {
        // Quiet for longer than the server's own timeout (bookmarks come about once a minute): the connection is gone.
        await api.json.watch(path, onLine, { query, idleMs: (timeoutSeconds + 30) * 1000, signal: local.signal });
        return end ?? { kind: 'closed' };
      } catch (err) {
        if (end) return end;
        if (signal.aborted) return { kind: 'closed' };
        if (statusCodeOf(err) === 410) return { kind: 'gone', message: (err as Error).message };
        return { kind: 'error', error: err };
      } finally {
        signal.removeEventListener('abort', abort);
      }
    },
  };
}
