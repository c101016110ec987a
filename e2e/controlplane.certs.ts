// Fresh PKI for one test control plane, made with the openssl CLI (ECDSA P-256: fast).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KeyPair {
  cert: string;
  key: string;
}

export interface ControlPlanePki {
  ca: KeyPair;
  serving: KeyPair;
  admin: KeyPair;
  controllerManager: KeyPair;
  scheduler: KeyPair;
  restricted: KeyPair;
  /** Service-account token signing key and its public half. */
  serviceAccount: { key: string; pub: string };
}

export const RESTRICTED_USER = 'portside-test-user';

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim()}`, { cause: err });
  }
}

const ecKey = (out: string): string[] => ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out];

/** A key and a cert for `subject` signed by the CA in `dir` (ca.crt, ca.key), as `<dir>/<name>.{key,crt}`. */
async function signedPair(
  dir: string,
  name: string,
  subject: string,
  extensions: string,
): Promise<KeyPair> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await openssl(ecKey(key), dir);
  await openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr], dir);
  await writeFile(ext, extensions);
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-days', '2', '-sha256', '-extfile', ext, '-out', cert],
    dir,
  );
  return { cert, key };
}

const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';

/** A client cert from the control plane's CA in `dir`, e.g. subject `/O=system:nodes/CN=system:node:n1`. */
export function clientPair(dir: string, name: string, subject: string): Promise<KeyPair> {
  return signedPair(dir, name, subject, clientExt);
}

/** Makes a CA, a serving cert for loopback/localhost/bindAddress, client certs and the SA key pair in `dir`. */
export async function generatePki(dir: string, bindAddress: string): Promise<ControlPlanePki> {
  await openssl(ecKey('ca.key'), dir);
  await openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=portside-test-ca', '-days', '2', '-sha256', '-out', 'ca.crt'],
    dir,
  );
  const sans = new Set(['IP:127.0.0.1', 'DNS:localhost', 'IP:10.96.0.1', 'DNS:kubernetes.default.svc']);
  sans.add(isIP(bindAddress) ? `IP:${bindAddress}` : `DNS:${bindAddress}`);
  const servingExt =
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' +
    `extendedKeyUsage=serverAuth\nsubjectAltName=${[...sans].join(',')}\n`;
  const saKey = join(dir, 'sa.key');
  const saPub = join(dir, 'sa.pub');
  // Random serials (no shared serial file), so every pair is made in parallel.
  const [serving, admin, controllerManager, scheduler, restricted] = await Promise.all([
    signedPair(dir, 'serving', '/CN=kube-apiserver', servingExt),
    signedPair(dir, 'admin', '/O=system:masters/CN=portside-admin', clientExt),
    signedPair(dir, 'kcm', '/O=system:masters/CN=system:kube-controller-manager', clientExt),
    signedPair(dir, 'scheduler', '/CN=system:kube-scheduler', clientExt),
    signedPair(dir, 'restricted', `/CN=${RESTRICTED_USER}`, clientExt),
    openssl(ecKey(saKey), dir).then(() => openssl(['pkey', '-in', saKey, '-pubout', '-out', saPub], dir)),
  ]);
  return {
    ca: { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') },
    serving,
    admin,
    controllerManager,
    scheduler,
    restricted,
    serviceAccount: { key: saKey, pub: saPub },
  };
}

/** A kubeconfig file for one client cert; paths are absolute, so it works from any cwd. */
export function kubeconfigYaml(server: string, caFile: string, user: string, pair: KeyPair): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: portside-test',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority: ${caFile}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    client-certificate: ${pair.cert}`,
    `    client-key: ${pair.key}`,
    'contexts:',
    `- name: ${user}@portside-test`,
    '  context:',
    '    cluster: portside-test',
    `    user: ${user}`,
    `current-context: ${user}@portside-test`,
    '',
  ].join('\n');
}
