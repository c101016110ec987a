// The list and watch calls an informer needs, as a small port: the API implementation streams
// the watch through the JsonClient; tests of the supervisor's loop can pass a scripted one.
import type { KubernetesObject } from '@kubernetes/client-node';
import { statusCodeOf } from './errors.ts';
import type { KubeApi } from './kube-api.ts';
import { decodeList, ProtobufError, type ProtobufListKind } from './protobuf.ts';

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

export interface ApiListWatchOptions<T = KubernetesObject> {
  labelSelector?: string;
  fieldSelector?: string;
  /** Server-side watch timeout; randomised per watch in [t, 2t) like client-go. Default 300 s. */
  watchTimeoutSeconds?: number;
  listTimeoutMs?: number;
  /**
   * Objects per list page. Default 2500: 5,000 Services listed in 104–228 ms, against 173–269 ms
   * in pages of 1000 and 154–295 ms in pages of 500 (one run, four rounds each, load 5–7;
   * docs/benchmarks.md). A page of 2,500 Services is ≈ 3 MB of text, parsed once.
   */
  pageSize?: number;
  /**
   * What the cache keeps of each object (client-go's SetTransform): only the fields its
   * readers use, so thousands of objects cost less memory. It must keep metadata.name,
   * namespace and resourceVersion. Not applied to bookmarks. A new object loses the protobuf
   * decoder's mark of an item it did not read whole (`whole()`): trim the given one in place.
   */
  transform?: (obj: T) => T;
  /**
   * Each list page's `"managedFields":[…]` members are cut out of its text before it is parsed
   * (withoutManagedFields does it after the parse otherwise): at start-up the 5,000 listed
   * Services' managedFields were most of the objects the garbage collector copied while the
   * pages were parsed. Only for kinds with no other field of that name (core kinds: Services).
   */
  cutManagedFields?: boolean;
  /**
   * List pages asked for in the API server's protobuf encoding and decoded by this kind's
   * decoder (lib/k8s/protobuf.ts), JSON still accepted. A page the decoder refuses is asked for
   * again as JSON, and so is every later page of this list-watch; `onProtobufRefused` hears why.
   * Core kinds only: the server answers custom resources in JSON.
   */
  protobuf?: ProtobufListKind;
  onProtobufRefused?: (err: Error) => void;
}

const PROTOBUF_ACCEPT = 'application/vnd.kubernetes.protobuf, application/json';

const MANAGED_FIELDS = '"managedFields":[';

/**
 * JSON text without its `"managedFields":[…]` members. In JSON text that sequence is always a
 * member's name (a quote inside a string is escaped, so the closing quote of the name would
 * read `\"`); the array's end is found by depth, skipping strings. Text that ends inside a
 * member (not JSON) is returned as it was, for JSON.parse to refuse.
 */
export function cutManagedFieldsText(text: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const at = text.indexOf(MANAGED_FIELDS, from);
    if (at < 0) break;
    let i = at + MANAGED_FIELDS.length;
    let depth = 1;
    while (depth > 0 && i < text.length) {
      const c = text.charCodeAt(i++);
      if (c === 0x22) {
        // A string: to its closing quote, past escapes.
        for (;;) {
          if (i >= text.length) return text;
          const d = text.charCodeAt(i++);
          if (d === 0x5c) i++;
          else if (d === 0x22) break;
        }
      } else if (c === 0x5b || c === 0x7b) depth++;
      else if (c === 0x5d || c === 0x7d) depth--;
    }
    if (depth > 0) return text;
    // The member and one comma beside it.
    let start = at;
    let end = i;
    if (text.charCodeAt(end) === 0x2c) end++;
    else if (text.charCodeAt(start - 1) === 0x2c) start--;
    out += text.slice(from, start);
    from = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

type ListPage<T> = { items?: T[]; metadata?: { resourceVersion?: string; continue?: string } };

/**
 * Nothing in the programs reads managedFields, and on a Service they are most of its bytes:
 * the caches drop them (controller-runtime's TransformStripManagedFields).
 */
export function withoutManagedFields<T extends KubernetesObject>(obj: T): T {
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
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
  opts: ApiListWatchOptions<T> = {},
): ListWatch<T> {
  const selectors: Record<string, string> = {};
  if (opts.labelSelector) selectors.labelSelector = opts.labelSelector;
  if (opts.fieldSelector) selectors.fieldSelector = opts.fieldSelector;
  const baseTimeout = opts.watchTimeoutSeconds ?? 300;
  const keep = opts.transform ?? ((obj: T): T => obj);
  let protobuf = opts.protobuf;
  const jsonPage = (text: string): ListPage<T> => JSON.parse(opts.cutManagedFields ? cutManagedFieldsText(text) : text) as ListPage<T>;
  const listPage = async (request: { query: Record<string, string>; timeoutMs: number; signal?: AbortSignal }): Promise<ListPage<T>> => {
    if (!protobuf) return opts.cutManagedFields ? jsonPage(await api.json.text('GET', path, request)) : api.json.request<ListPage<T>>('GET', path, request);
    const { contentType, body } = await api.json.binary('GET', path, { ...request, accept: PROTOBUF_ACCEPT });
    if (!contentType.startsWith('application/vnd.kubernetes.protobuf')) return jsonPage(body.toString('utf8'));
    try {
      return decodeList<T>(body, protobuf);
    } catch (err) {
      if (!(err instanceof ProtobufError)) throw err;
      protobuf = undefined;
      opts.onProtobufRefused?.(new Error(`GET ${path}: the protobuf answer could not be decoded (${err.message}); listing in JSON from now on`, { cause: err }));
      return listPage(request);
    }
  };
  return {
    // In pages, so thousands of objects never sit in memory as one response text and its parse.
    async list(signal) {
      const items: T[] = [];
      const limit = String(opts.pageSize ?? 2500);
      let token: string | undefined;
      for (;;) {
        const query: Record<string, string> = { ...selectors, limit, ...(token ? { continue: token } : {}) };
        const request = { query, timeoutMs: opts.listTimeoutMs ?? 60_000, signal };
        const page = await listPage(request);
        for (const item of page.items ?? []) items.push(keep(withoutManagedFields(item)));
        token = page.metadata?.continue;
        // A continue token that expired (410) makes the informer list again from the start.
        if (!token) return { items, resourceVersion: page.metadata?.resourceVersion ?? '' };
      }
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
        const obj = withoutManagedFields(object as T);
        onEvent({ type: type as WatchEventType, object: type === 'BOOKMARK' ? obj : keep(obj) });
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
