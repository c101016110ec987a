// What a real lab node runs: kubelet and kube-proxy built with the control plane
// (`hack/controlplane/build.sh nodes`, cached), the pause image (`hack/nodes/pause-image.sh`,
// cached), containerd and runc from Debian (hack/deps.sh).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ControlPlaneUnavailable } from '../controlplane.ts';

const run = promisify(execFile);
const HACK = new URL('../../hack/', import.meta.url).pathname;

/** Debian's containerd, runc and CNI plugins, and nsenter (util-linux), as the test's preflight lists them. */
export const NODE_COMMANDS = ['containerd', 'ctr', 'runc', 'nsenter', 'nft', '/usr/lib/cni/bridge', '/usr/lib/cni/host-local'] as const;

export interface NodeBinaries {
  /** kubelet, kube-proxy, kubectl, kube-scheduler (and the control plane's). */
  dir: string;
  kubelet: string;
  kubeProxy: string;
  kubectl: string;
  pause: { archive: string; ref: string };
  /** Seconds the last build of the node binaries took (build-seconds-nodes), when recorded. */
  buildSeconds?: number;
}

async function script(path: string, args: string[] = []): Promise<string> {
  try {
    const { stdout } = await run('bash', [join(HACK, path), ...args], { maxBuffer: 16 << 20 });
    return stdout.trim().split('\n').pop() ?? '';
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim().split('\n').slice(-5).join('\n');
    throw new ControlPlaneUnavailable(`hack/${path} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}

export async function nodeBinaries(): Promise<NodeBinaries> {
  const dir = await script('controlplane/build.sh', ['nodes']);
  const pauseDir = await script('nodes/pause-image.sh');
  const ref = (await readFile(join(pauseDir, 'ref'), 'utf8')).trim();
  const seconds = await readFile(join(dir, 'build-seconds-nodes'), 'utf8').then(Number, () => NaN);
  return {
    dir,
    kubelet: join(dir, 'kubelet'),
    kubeProxy: join(dir, 'kube-proxy'),
    kubectl: join(dir, 'kubectl'),
    pause: { archive: join(pauseDir, 'image.tar'), ref },
    ...(Number.isFinite(seconds) ? { buildSeconds: seconds } : {}),
  };
}
