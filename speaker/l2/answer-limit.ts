// How many ARP replies / Neighbor Advertisements one source gets: a token bucket per
// source (sender MAC + sender IP), so a flood of requests costs us reads, not a send for
// each. A real client asks for a VIP a few times a minute (its cache expires); even one that
// lost every answer retries about once a second, so the default burst of 10 and 10 per
// second never hold back a real client. The table is bounded: past `maxSources` the source
// heard least recently is forgotten (it starts again with a full bucket).

export interface AnswerLimit {
  /** Answers per second each source earns back. */
  ratePerSecond: number;
  /** Answers a source may have in a row (the bucket size). */
  burst: number;
  /** Sources remembered at once. */
  maxSources: number;
}

export const DEFAULT_ANSWER_LIMIT: AnswerLimit = { ratePerSecond: 10, burst: 10, maxSources: 4096 };

interface Bucket {
  tokens: number;
  at: number;
}

export class AnswerLimiter {
  readonly #limit: AnswerLimit;
  /** In order of last use (a Map keeps insertion order): the first is the stalest. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(limit: AnswerLimit = DEFAULT_ANSWER_LIMIT) {
    this.#limit = limit;
  }

  /** Whether `source` may be answered at `now` (ms); takes one token if so. */
  allow(source: string, now: number): boolean {
    const { ratePerSecond, burst, maxSources } = this.#limit;
    const bucket = this.#buckets.get(source);
    let tokens = burst;
    if (bucket) {
      tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) * ratePerSecond) / 1000);
      this.#buckets.delete(source);
    } else if (this.#buckets.size >= maxSources) {
      const stalest = this.#buckets.keys().next();
      if (!stalest.done) this.#buckets.delete(stalest.value);
    }
    const allowed = tokens >= 1;
    this.#buckets.set(source, { tokens: allowed ? tokens - 1 : tokens, at: now });
    return allowed;
  }

  /** Sources remembered now (for tests). */
  get size(): number {
    return this.#buckets.size;
  }
}
