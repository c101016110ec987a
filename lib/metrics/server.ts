// The HTTP endpoint both programs serve on --metrics-addr: /metrics (Prometheus text),
// /healthz (liveness: the process loop works) and /readyz (readiness: synced, serving).
import { nodeHttp } from '../node/builtins.ts';
import type { Server } from '../node/builtins.ts';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A check returns true when healthy, or a reason string when not. */
export type HealthCheck = () => true | string | Promise<true | string>;

export interface ListenAddress {
  /** undefined = all interfaces. */
  host: string | undefined;
  port: number;
}

/** Parses `:7472`, `0.0.0.0:7472`, `127.0.0.1:0`, `[::1]:7472`; throws on anything else. */
export function parseListenAddress(addr: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new Error(`invalid listen address "${addr}": want host:port, :port or [v6]:port`);
  }
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}

export interface MetricsServerOptions {
  /** Text as parseListenAddress takes it, or already parsed. */
  addr: string | ListenAddress;
  registries: Registry[];
  liveness?: Record<string, HealthCheck>;
  readiness?: Record<string, HealthCheck>;
}

export interface MetricsServer {
  /** The bound address (useful with port 0). */
  address: AddressInfo;
  close(): Promise<void>;
}

async function runChecks(checks: Record<string, HealthCheck>): Promise<{ ok: boolean; body: string }> {
  const failed: string[] = [];
  for (const [name, check] of Object.entries(checks)) {
    let result: true | string;
    try {
      result = await check();
    } catch (err) {
      result = (err as Error).message;
    }
    if (result !== true) failed.push(`[-] ${name}: ${result}`);
  }
  return failed.length === 0 ? { ok: true, body: 'ok\n' } : { ok: false, body: `${failed.join('\n')}\n` };
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port } = typeof opts.addr === 'string' ? parseListenAddress(opts.addr) : opts.addr;
  const contentType = opts.registries[0]?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8';
  const server: Server = nodeHttp().createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const respond = async (): Promise<void> => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
      } else if (path === '/metrics') {
        const texts = await Promise.all(opts.registries.map((r) => r.metrics()));
        res.writeHead(200, { 'Content-Type': contentType }).end(texts.join('\n'));
      } else if (path === '/healthz' || path === '/readyz') {
        const { ok, body } = await runChecks((path === '/healthz' ? opts.liveness : opts.readiness) ?? {});
        res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(body);
      } else {
        res.writeHead(404).end();
      }
    };
    respond().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
