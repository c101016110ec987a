// The lab the Pods tests install Portside into: the images hack/image/build.sh builds (Portside's
// and the FRR sidecar's), two kubelet nodes on a switch, an FRR top-of-rack with dynamic
// neighbours and ECMP (as `make lab` configures it), a client behind it and one on the switch;
// and what the tests put on it: endpoint Pods answering with their node's name.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { V1Container } from '@kubernetes/client-node';
import { buildLab, controlPlaneSkipped, type BuiltLab } from '../lab/builder.ts';
import { NODE_ASN, TOR_ASN, UPLINK } from '../lab/plan.ts';
import { Lab, requireCommands, requireRoot, run } from '../netns/index.ts';
import { NODE_COMMANDS } from '../nodes/index.ts';
import { startFrr, type FrrRouter } from '../routers/index.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NS = 'portside-system';
/** The images as hack/image/build.sh tags them. */
export const IMAGE = { name: 'localhost/portside', tag: 'dev' };
export const FRR_IMAGE = { name: 'localhost/portside-frr', tag: 'dev' };
export const LAN_V4 = '198.51.100.0/24';

/** The endpoint Pods' server: answers every request with its node's name (what the lab's probe counts); as PID 1 it must handle SIGTERM itself. */
const WEB_SERVER = "process.on('SIGTERM', () => process.exit(0)); require('node:http').createServer((q, r) => r.end(process.env.NODE_NAME)).listen(8080)";

/** An endpoint container: WEB_SERVER on the Portside image (it has Node), Ready once it answers. */
export function webContainer(extra: Partial<V1Container> = {}): V1Container {
  return {
    name: 'web', image: `${IMAGE.name}:${IMAGE.tag}`, imagePullPolicy: 'IfNotPresent',
    command: ['/usr/local/bin/node', '-e', WEB_SERVER],
    env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
    ports: [{ containerPort: 8080 }],
    readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
    ...extra,
  };
}

export type Built = BuiltLab<never, 'client-l2'>;

export interface KubeletLab {
  lab: Lab;
  built: Built;
  /** The top-of-rack. */
  frr: FrrRouter;
  /** docker-archive files of the two images, for `ctr images import`. */
  archives: { portside: string; frr: string };
  /** Where hack/tools/build.sh put helm and kustomize. */
  tools: string;
}

/** `KEY=value` lines a hack/ script prints on stdout. */
export async function script(path: string): Promise<string> {
  const { stdout } = await run(join(ROOT, path), [], { timeoutMs: 1_800_000 });
  return stdout.trim();
}

/** Builds the images and the lab (removed after the test); undefined when the test skipped. */
export async function kubeletLab(t: TestContext): Promise<KubeletLab | undefined> {
  if (!requireRoot(t) || !requireCommands(t, [...NODE_COMMANDS, 'openssl', 'bash', 'vtysh', '/usr/lib/frr/bgpd'])) return undefined;
  const image = new Map((await script('hack/image/build.sh')).split('\n').map((l) => l.split('=', 2) as [string, string]));
  assert.equal(image.get('PORTSIDE_IMAGE_REF'), `${IMAGE.name}:${IMAGE.tag}`);
  assert.equal(image.get('PORTSIDE_FRR_IMAGE_REF'), `${FRR_IMAGE.name}:${FRR_IMAGE.tag}`);
  const archives = { portside: image.get('PORTSIDE_IMAGE_ARCHIVE') ?? '', frr: image.get('PORTSIDE_FRR_IMAGE_ARCHIVE') ?? '' };
  const tools = await script('hack/tools/build.sh');
  const lab = await Lab.create();
  t.after(() => lab.destroy());
  try {
    const built = await buildLab<never, 'client-l2'>(lab, {
      lan: { v4: LAN_V4 },
      root: { host: 1 },
      nodes: { count: 2, kubelet: true },
      // The ToR the nodes route through, a client behind it; a client on the switch for L2.
      router: { host: 2, gateway: true, behind: { name: 'client-out', v4: UPLINK.v4 } },
      clients: { 'client-l2': { host: 50 } },
      controlPlane: { bare: true },
    });
    const router = built.router;
    assert.ok(router);
    // As `make lab` configures it: dynamic neighbours from the switch subnet, ECMP; GR helper (FRR's default).
    const frr = await startFrr(lab, router.ns, {
      asn: TOR_ASN, routerId: router.v4, maximumPaths: 8,
      listenRanges: [{ range: LAN_V4, peerGroup: 'NODES', remoteAs: NODE_ASN, timers: { keepaliveS: 3, holdS: 9 } }],
    });
    return { lab, built, frr, archives, tools };
  } catch (err) {
    if (controlPlaneSkipped(t, err)) return undefined;
    throw err;
  }
}
