// What a ClusterConfig gives for a connection (TLS material, auth headers), read from its files
// (and exec plugin) once, with a fingerprint of what decides a connection: when it changes,
// new sockets are due. Callers re-read every 30 s, so rotated files take effect.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ClusterConfig, Material } from './kubeconfig.ts';
import { execCredential } from './exec-credential.ts';
import type { ExecCredentialCache } from './exec-credential.ts';

export interface Credentials {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  servername?: string;
  /** Auth headers (a bearer token). */
  headers: Record<string, string>;
  /** `user:password` for basic auth. */
  auth?: string;
  /** sha256 over server, CA, client certificate and key, and TLS verification settings. */
  fingerprint: string;
}

async function read(m: Material | undefined): Promise<string | undefined> {
  if (!m) return undefined;
  return 'data' in m ? m.data : readFile(m.file, 'utf8');
}

export async function readCredentials(config: ClusterConfig, exec?: ExecCredentialCache): Promise<Credentials> {
  const [ca, fileCert, fileKey, token] = await Promise.all([
    read(config.ca), read(config.clientCert), read(config.clientKey), read(config.token),
  ]);
  const plugin = config.exec ? await execCredential(config.exec, exec) : undefined;
  const cert = plugin?.clientCertificateData ?? fileCert;
  const key = plugin?.clientKeyData ?? fileKey;
  const bearer = plugin?.token ?? token?.trim();
  const headers: Record<string, string> = bearer ? { Authorization: `Bearer ${bearer}` } : {};
  const rejectUnauthorized = config.insecureSkipTlsVerify !== true;
  const h = createHash('sha256');
  for (const part of [ca, cert, key]) h.update(part ?? '').update('\0');
  h.update(`${config.server}|${String(rejectUnauthorized)}|${config.tlsServerName ?? ''}`);
  return {
    ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}),
    rejectUnauthorized,
    ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
    headers,
    ...(config.basic ? { auth: `${config.basic.username}:${config.basic.password}` } : {}),
    fingerprint: h.digest('hex'),
  };
}
