// What a KubeConfig gives for a connection to its current cluster (TLS material, auth), read
// once, with a fingerprint of what decides a connection: when it changes, new sockets are due.
import { createHash } from 'node:crypto';
import type { Agent } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

export interface TlsIdentity {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
  /** Auth headers (tokens, exec plugins). */
  headers: Record<string, string>;
  /** `user:password` for basic auth. */
  auth?: string;
  /** client-node's own (cached, not keep-alive) agent for the cluster; it honours proxy-url. */
  agent?: Agent;
  /** sha256 over server, CA, client certificate and key, and TLS verification settings. */
  fingerprint: string;
}

export async function readTlsIdentity(kc: KubeConfig): Promise<TlsIdentity> {
  const o: Omit<TlsIdentity, 'fingerprint' | 'headers'> & { headers?: Record<string, string> } = {};
  await kc.applyToHTTPSOptions(o);
  const h = createHash('sha256');
  for (const part of [o.ca, o.cert, o.key]) h.update(part ?? '').update('\0');
  h.update(`${kc.getCurrentCluster()?.server}|${String(o.rejectUnauthorized)}|${o.servername ?? ''}`);
  return { ...o, headers: { ...(o.headers ?? {}) }, fingerprint: h.digest('hex') };
}
