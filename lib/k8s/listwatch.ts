// The list and watch calls an informer needs, as a small port: the API implementation uses
// client-node's Watch; tests of the supervisor's loop can pass a scripted one.
import { Watch } from '@kubernetes/client-node';
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
  const watcher = new Watch(api.kc);
  const baseTimeout = opts.watchTimeoutSeconds ?? 300;
  return {
    async list(signal) {
      const query = new URLSearchParams(selectors).toString();
      const list = await api.json.request<{ items?: T[]; metadata?: { resourceVersion?: string } }>(
        'GET',
        query ? `${path}?${query}` : path,
        { timeoutMs: opts.listTimeoutMs ?? 60_000, signal },
      );
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
    },

    watch(resourceVersion, onEvent, signal) {
      return new Promise<WatchEnd>((resolve) => {
        let end: WatchEnd | undefined;
        let controller: AbortController | undefined;
        const abort = (): void => controller?.abort();
        const params = {
          ...selectors,
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.floor(baseTimeout * (1 + Math.random())),
        };
        const onLine = (type: string, obj: unknown): void => {
          if (end) return;
          if (type === 'ERROR') {
            const status = obj as StatusObject | undefined;
            const message = status?.message ?? 'watch error';
            end = status?.code === 410 ? { kind: 'gone', message } : { kind: 'error', error: new Error(message) };
            abort();
            return;
          }
          onEvent({ type: type as WatchEventType, object: obj as T });
        };
        const onDone = (err: unknown): void => {
          signal.removeEventListener('abort', abort);
          if (end) return resolve(end);
          if (signal.aborted || !err) return resolve({ kind: 'closed' });
          // The client's inactivity timeout: the connection went quiet; resume from the last RV.
          if ((err as { name?: string }).name === 'TimeoutError') return resolve({ kind: 'closed' });
          if (statusCodeOf(err) === 410) return resolve({ kind: 'gone', message: String(err) });
          resolve({ kind: 'error', error: err });
        };
        signal.addEventListener('abort', abort);
        watcher.watch(path, params, onLine, onDone).then(
          (c) => {
            controller = c;
            if (signal.aborted || end) c.abort();
          },
          (err: unknown) => onDone(err ?? new Error('watch failed')),
        );
      });
    },
  };
}
