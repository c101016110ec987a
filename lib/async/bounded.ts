// Work over many items with at most `limit` in flight: the status writers and the benchmarks'
// bulk API calls (one request at a time is too slow for thousands of objects; all at once
// floods the API server).

/**
 * Calls `task(item, i)` for every item, at most `limit` at a time, in order of start. Every
 * task started is awaited; after the first failure no new one starts, and that failure is
 * thrown once the others have settled.
 */
export async function eachBounded<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        await task(items[i] as T, i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.err;
}

/** eachBounded over the indexes 0 … n-1. */
export function timesBounded(n: number, limit: number, task: (index: number) => Promise<unknown>): Promise<void> {
  return eachBounded(Array.from({ length: n }, (_, i) => i), limit, (_, i) => task(i));
}
