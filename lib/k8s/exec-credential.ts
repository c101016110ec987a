// A kubeconfig exec credential plugin (client.authentication.k8s.io): runs the command and
// reads the ExecCredential it prints. The answer is kept until its expirationTimestamp (10 s
// early) or, without one, until invalidated (the API said 401).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { ExecPlugin } from './kubeconfig.ts';

export interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

export class ExecCredentialCache {
  value: { status: ExecCredentialStatus; until: number } | undefined;
  invalidate(): void {
    this.value = undefined;
  }
}

function run(plugin: ExecPlugin): Promise<string> {
  // kubectl's rule: a command with a slash is relative to the kubeconfig's folder; a bare name is looked up in $PATH.
  const command = plugin.command.includes('/') && !plugin.command.startsWith('/') && plugin.cwd ? join(plugin.cwd, plugin.command) : plugin.command;
  const env = {
    ...process.env, ...plugin.env,
    KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: plugin.apiVersion, kind: 'ExecCredential', spec: { interactive: false } }),
  };
  return new Promise((resolve, reject) => {
    execFile(command, plugin.args, { env, timeout: 60_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`exec plugin ${plugin.command} failed: ${stderr.trim() || err.message}`, { cause: err }));
      else resolve(stdout);
    });
  });
}

export async function execCredential(plugin: ExecPlugin, cache?: ExecCredentialCache, now = Date.now()): Promise<ExecCredentialStatus> {
  if (cache?.value && now < cache.value.until) return cache.value.status;
  const out = await run(plugin);
  let status: ExecCredentialStatus | undefined;
  try {
    status = (JSON.parse(out) as { status?: ExecCredentialStatus }).status;
  } catch (err) {
    throw new Error(`exec plugin ${plugin.command} printed no ExecCredential JSON`, { cause: err });
  }
  if (!status || (!status.token && !(status.clientCertificateData && status.clientKeyData))) {
    throw new Error(`exec plugin ${plugin.command} gave neither a token nor a client certificate and key`);
  }
  const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : NaN;
  if (cache) cache.value = { status, until: Number.isFinite(expires) ? expires - 10_000 : Infinity };
  return status;
}
