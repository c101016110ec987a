// Health probes for control-plane components: poll a URL until 200, failing fast (with
// the log tail) if the process exits first.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ManagedProcess } from './controlplane.process.ts';
import { logTail } from './controlplane.process.ts';

export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

/** GET `url`; resolves with the status code (0 when the connection failed). */
export function probe(url: string, tls: ClientTls | 'insecure' | undefined, timeoutMs = 2_000): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const options =
      u.protocol === 'https:'
        ? tls === 'insecure' || tls === undefined
          ? { rejectUnauthorized: false }
          : { ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key) }
        : {};
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { ...options, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

export async function waitHealthy(
  proc: ManagedProcess,
  url: string,
  tls: ClientTls | 'insecure' | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitedAlready()) {
      const { code, signal } = await proc.exited;
      throw new Error(`${proc.name} exited (code ${code}, signal ${signal}) before ${url} was healthy:\n${logTail(proc.logPath)}`);
    }
    const last = await probe(url, tls);
    if (last === 200) return;
    if (Date.now() >= deadline) {
      throw new Error(`${proc.name} not healthy at ${url} after ${timeoutMs} ms (last status ${last || 'no connection'})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
