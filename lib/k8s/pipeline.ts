// Fire-and-forget JSON writes (Events) at thousands a second, for a fraction of node:http's CPU:
// a few keep-alive connections of their own, each request framed as text, the requests
// started in one event-loop turn sent in one socket write (HTTP/1.1 pipelining, RFC 9112
// §9.3: answers come back in order), answers read for their status only (a failure's body is
// kept for its message). node:http's agent sends one request per socket at a time, with a
// request and a response object, a parser and listeners for each: ≈ 200 µs of CPU per Event.
//
// Safe for what it carries: a request is never sent twice unless the server said, by closing
// the connection after an earlier answer (`Connection: close`), that it read no further; a
// connection lost with requests unanswered fails them (their fate is unknown). Through a
// proxy, or for an API server reached any other way, requests take the JsonClient instead.
import type { Socket } from 'node:net';
import type { Connection } from './connections.ts';
import type { JsonClient } from './json-client.ts';
import { ApiRequestError, apiFailure } from './json-client.ts';
import { nodeNet, nodeTls } from '../node/builtins.ts';

export interface RequestPipelineOptions {
  /** Connections of its own. Default 4. */
  connections?: number;
  /** No answer for this long with requests waiting: the connection is dropped and they fail. Default 30 s. */
  timeoutMs?: number;
  /** A connection with nothing in flight is closed after this long (before the server's idle timeout). Default 20 s. */
  idleMs?: number;
}

interface Pending {
  method: string;
  path: string;
  body: string;
  contentType: string;
  /** The answer's body is wanted (request), not only its status (send). */
  answer: boolean;
  resolve: (text: string) => void;
  reject: (err: unknown) => void;
  /** Sent again once at most (the server closed before reading it). */
  resent: boolean;
}

/** A request as errors name it (as JsonClient's do: no query). */
const what = (p: Pending): string => `${p.method} ${p.path.split('?')[0]}`;

const CRLF_CRLF = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;

/** Header lines for a connection's credentials; undefined when a value could break the framing. */
function headerText(conn: Connection): string | undefined {
  const headers: Record<string, string> = { ...conn.headers };
  if (conn.auth !== undefined) headers.Authorization = `Basic ${Buffer.from(conn.auth).toString('base64')}`;
  let text = `Host: ${conn.base.host}\r\nAccept: application/json\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name + value) || !/^[!#$%&'*+.^`|~\w-]+$/.test(name)) return undefined;
    text += `${name}: ${value}\r\n`;
  }
  return text;
}

/** One connection: requests written in batches, answers read in order. */
class Lane {
  readonly fingerprint: string;
  /** Written, not yet answered, oldest first. */
  readonly waiting: Pending[] = [];
  closed = false;
  private readonly socket: Socket;
  private readonly owner: RequestPipeline;
  private buffered: Buffer | undefined;
  /** The answer being read: its status, and how its body ends. */
  private head: { status: number; close: boolean; length: number | 'chunked' | 'close'; chunks?: Buffer[] } | undefined;
  /** Chunked body: bytes of the current chunk left (with its CRLF), or -1 between chunks, -2 in the trailers. */
  private chunkLeft = -1;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(owner: RequestPipeline, conn: Connection) {
    this.owner = owner;
    this.fingerprint = conn.fingerprint;
    const host = conn.base.hostname.startsWith('[') ? conn.base.hostname.slice(1, -1) : conn.base.hostname;
    const tls = conn.direct?.tls;
    const port = Number(conn.base.port || (tls ? 443 : 80));
    // A session of an earlier connection is resumed, as node:https's agent does: no full handshake each.
    const session = owner.tlsSessions.get(conn.fingerprint);
    this.socket = tls
      ? nodeTls().connect({ ...tls, host, port, ALPNProtocols: ['http/1.1'], ...(session ? { session } : {}) })
        .on('session', (s: Buffer) => owner.tlsSessions.set(conn.fingerprint, s))
      : nodeNet().connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.setTimeout(owner.timeoutMs, () => {
      if (this.waiting.length > 0) this.fail(new Error(`no answer for ${owner.timeoutMs} ms`));
    });
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.idleTimer = setTimeout(() => this.retire(), owner.idleMs).unref();
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('the connection closed')));
  }

  /** Writes a batch (one socket write); `prefix` is the server URL's path. */
  send(batch: Pending[], headers: string, prefix: string): void {
    clearTimeout(this.idleTimer);
    let text = '';
    for (const p of batch) {
      text += `${p.method} ${prefix}${p.path} HTTP/1.1\r\n${headers}Content-Type: ${p.contentType}\r\nContent-Length: ${Buffer.byteLength(p.body)}\r\n\r\n${p.body}`;
      this.waiting.push(p);
    }
    this.socket.write(text);
  }

  /** Stops taking requests; the socket ends once every answer is in. */
  retire(): void {
    this.closed = true;
    this.owner.laneClosed(this);
    if (this.waiting.length === 0) this.socket.end();
  }

  private read(chunk: Buffer): void {
    let buf = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    this.buffered = undefined;
    for (;;) {
      if (this.socket.destroyed) return;
      if (!this.head) {
        const end = buf.indexOf(CRLF_CRLF);
        if (end < 0) {
          if (buf.length > MAX_HEAD) return this.fail(new Error('an answer header over 64 KiB'));
          break;
        }
        const started = this.startAnswer(buf.toString('latin1', 0, end));
        buf = buf.subarray(end + 4);
        if (!started) return;
        continue;
      }
      const head = this.head;
      if (head.length === 'close') {
        head.chunks?.push(buf);
        return; // the body runs to the end of the connection: answered at close
      }
      if (head.length === 'chunked') {
        const used = this.readChunked(buf);
        if (used < 0) break;
        buf = buf.subarray(used);
        continue;
      }
      if (buf.length < head.length) {
        head.chunks?.push(buf);
        head.length -= buf.length;
        return;
      }
      head.chunks?.push(buf.subarray(0, head.length));
      buf = buf.subarray(head.length);
      this.finishAnswer();
      if (this.closed && this.waiting.length === 0) return;
    }
    if (buf.length > 0) this.buffered = Buffer.from(buf);
  }

  /** Parses a status line and headers; false when the connection failed. */
  private startAnswer(text: string): boolean {
    const lines = text.split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!status) {
      this.fail(new Error(`not an HTTP/1.1 answer: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`));
      return false;
    }
    const code = Number(status[1]);
    if (code >= 100 && code < 200) return true; // an interim answer: the real one follows
    let length: number | 'chunked' | 'close' = 'close';
    let close = lines[0]!.startsWith('HTTP/1.0');
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim().toLowerCase();
      if (name === 'content-length' && length !== 'chunked') length = Number(value);
      else if (name === 'transfer-encoding' && value.endsWith('chunked')) length = 'chunked';
      else if (name === 'connection') close = value.split(',').some((v) => v.trim() === 'close') || (close && value !== 'keep-alive');
    }
    if (code === 204 || code === 304) length = 0;
    if (typeof length === 'number' && !(Number.isSafeInteger(length) && length >= 0)) {
      this.fail(new Error('an answer with an invalid Content-Length'));
      return false;
    }
    const keep = !(code >= 200 && code < 300) || this.waiting[0]?.answer === true;
    this.head = { status: code, close, length, ...(keep ? { chunks: [] } : {}) };
    this.chunkLeft = -1;
    if (length === 0) this.finishAnswer();
    return true;
  }

  /** Consumes chunked body bytes; returns how many, or -1 when more are needed. */
  private readChunked(buf: Buffer): number {
    const head = this.head!;
    if (this.chunkLeft === -2) {
      // Trailers: lines until an empty one.
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return -1;
      if (eol === 0) this.finishAnswer();
      return eol + 2;
    }
    if (this.chunkLeft === -1) {
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return -1;
      const size = parseInt(buf.toString('latin1', 0, eol).split(';')[0]!, 16);
      if (!Number.isSafeInteger(size) || size < 0) {
        this.fail(new Error('an answer with an invalid chunk size'));
        return -1;
      }
      this.chunkLeft = size === 0 ? -2 : size + 2;
      return eol + 2;
    }
    const take = Math.min(this.chunkLeft, buf.length);
    if (take === 0) return -1;
    // The chunk's data, without its closing CRLF.
    const data = Math.max(0, Math.min(take, this.chunkLeft - 2));
    head.chunks?.push(buf.subarray(0, data));
    this.chunkLeft -= take;
    if (this.chunkLeft === 0) this.chunkLeft = -1;
    return take;
  }

  private finishAnswer(): void {
    const head = this.head!;
    this.head = undefined;
    const p = this.waiting.shift();
    if (p) {
      if (head.status >= 200 && head.status < 300) p.resolve(p.answer ? Buffer.concat(head.chunks ?? []).toString('utf8') : '');
      else p.reject(this.owner.failure(what(p), head.status, Buffer.concat(head.chunks ?? []).toString('utf8')));
    }
    if (head.close) {
      // The server reads nothing after this answer: what was written behind it is sent again.
      this.closed = true;
      this.owner.laneClosed(this);
      const unread = this.waiting.splice(0);
      this.socket.destroy();
      this.owner.resend(unread);
      return;
    }
    if (this.waiting.length === 0) {
      if (this.closed) this.socket.end();
      else this.idleTimer = setTimeout(() => this.retire(), this.owner.idleMs).unref();
    }
  }

  private fail(err: Error): void {
    clearTimeout(this.idleTimer);
    this.closed = true;
    this.owner.laneClosed(this);
    const head = this.head;
    this.head = undefined;
    // An answer whose body ran to the end of the connection is complete now.
    if (head?.length === 'close' && err.message === 'the connection closed') {
      this.head = head;
      this.finishAnswer();
    }
    for (const p of this.waiting.splice(0)) p.reject(new ApiRequestError(`${what(p)}: ${err.message}`, undefined, '', { cause: err }));
    if (!this.socket.destroyed) this.socket.destroy();
  }
}

/**
 * Requests whose answer only matters as success or failure, over a few connections of their
 * own with pipelining (see the top of this file). Each `send` resolves when its answer is a
 * 2xx and rejects with an ApiRequestError otherwise, as JsonClient's `request` does.
 */
export class RequestPipeline {
  readonly timeoutMs: number;
  readonly idleMs: number;
  /** @internal The last TLS session per identity (fingerprint), for the next connection to resume. */
  readonly tlsSessions = new Map<string, Buffer>();
  private readonly json: JsonClient;
  private readonly size: number;
  private readonly lanes: Lane[] = [];
  private queued: Pending[] = [];
  private flushing = false;
  private closedForGood = false;

  constructor(json: JsonClient, opts: RequestPipelineOptions = {}) {
    this.json = json;
    this.size = opts.connections ?? 4;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.idleMs = opts.idleMs ?? 20_000;
  }

  /** Sends `body` (JSON text) with `method` to `path` (with its query); resolves on a 2xx answer. */
  async send(method: string, path: string, body: string, contentType = 'application/json'): Promise<void> {
    await this.enqueue(method, path, body, contentType, false);
  }

  /** As send, and resolves with the answer's body (text). */
  request(method: string, path: string, body: string, contentType = 'application/json'): Promise<string> {
    return this.enqueue(method, path, body, contentType, true);
  }

  private enqueue(method: string, path: string, body: string, contentType: string, answer: boolean): Promise<string> {
    return new Promise<string>((resolve, reject) => this.queue({ method, path, body, contentType, answer, resolve, reject, resent: false }));
  }

  private queue(p: Pending): void {
    this.queued.push(p);
    if (!this.flushing) {
      this.flushing = true;
      // Everything started in this turn goes out together.
      setImmediate(() => void this.flush());
    }
  }

  /** Opens a connection ahead of the first request (its handshake off the first request's path). */
  async preconnect(): Promise<void> {
    if (this.lanes.length > 0 || this.closedForGood) return;
    const conn = await this.json.pool.get();
    if (this.lanes.length === 0 && conn.direct && headerText(conn) !== undefined) this.lanes.push(new Lane(this, conn));
  }

  /** Closes the connections (at shutdown); what is unanswered fails. */
  close(): void {
    this.closedForGood = true;
    for (const lane of [...this.lanes]) lane.retire();
  }

  /** @internal Requests the server did not read (it closed after an earlier answer). */
  resend(unread: Pending[]): void {
    for (const p of unread) {
      if (p.resent) {
        p.reject(new ApiRequestError(`${what(p)}: the server closed the connection twice before reading it`, undefined, ''));
        continue;
      }
      p.resent = true;
      this.queue(p);
    }
  }

  /** @internal */
  laneClosed(lane: Lane): void {
    const i = this.lanes.indexOf(lane);
    if (i >= 0) this.lanes.splice(i, 1);
  }

  /** @internal */
  failure(what: string, code: number, text: string): ApiRequestError {
    if (code === 401) this.json.pool.invalidate();
    return apiFailure(what, code, text);
  }

  private async flush(): Promise<void> {
    const batch = this.queued;
    this.queued = [];
    let conn: Connection;
    try {
      conn = await this.json.pool.get();
    } catch (err) {
      this.flushing = false;
      for (const p of batch) p.reject(new ApiRequestError(`${what(p)}: ${(err as Error).message}`, undefined, '', { cause: err }));
      return;
    }
    this.flushing = false;
    if (this.queued.length > 0) {
      // More came while the credentials were read: they go in this batch.
      batch.push(...this.queued);
      this.queued = [];
    }
    const headers = conn.direct && !this.closedForGood ? headerText(conn) : undefined;
    if (headers === undefined) {
      // Through a proxy (or after close): the JsonClient's way, one request at a time.
      for (const p of batch) {
        this.json.text(p.method, p.path, { payload: p.body, contentType: p.contentType, discardBody: !p.answer }).then(p.resolve, p.reject);
      }
      return;
    }
    const prefix = conn.base.pathname.replace(/\/+$/, '');
    // Credentials that changed the TLS identity: new connections; the old ones finish what they carry.
    for (const lane of [...this.lanes]) if (lane.fingerprint !== conn.fingerprint) lane.retire();
    // The batch spread over the connections, the least busy first; a connection is opened
    // while fewer than `size` exist and every one has something waiting.
    const parts = new Map<Lane, Pending[]>();
    for (const p of batch) {
      let lane = this.lanes.reduce<Lane | undefined>((best, l) => (!best || l.waiting.length + (parts.get(l)?.length ?? 0) < best.waiting.length + (parts.get(best)?.length ?? 0) ? l : best), undefined);
      if (!lane || (lane.waiting.length + (parts.get(lane)?.length ?? 0) > 0 && this.lanes.length < this.size)) {
        lane = new Lane(this, conn);
        this.lanes.push(lane);
      }
      let part = parts.get(lane);
      if (!part) parts.set(lane, (part = []));
      part.push(p);
    }
    for (const [lane, part] of parts) lane.send(part, headers, prefix);
  }
}
