// The frr backend's Pod, per lab node: a sidecar FRR 8.4 (zebra, bgpd, bfdd with their own
// vty directory, started with no configuration, as the FRR container starts) and the shipped
// frr-image/reloader.sh beside it, sharing a directory with `portside speaker --bgp-backend
// frr`, which renders the configuration there.
import { fileURLToPath } from 'node:url';
import type { LabHost } from '../lab/builder.ts';
import type { Lab, LabProcess } from '../netns/index.ts';
import { startFrr, type FrrRouter, type StartFrrOptions } from '../routers/index.ts';

export const RELOADER = fileURLToPath(new URL('../../frr-image/reloader.sh', import.meta.url));

/** The sidecar's vty socket directory: the `-N <ns>-sidecar` pathspace startFrr makes. */
export const sidecarVtyDir = (node: LabHost) => `/var/run/frr/${node.ns.name}-sidecar`;
/** The directory the speaker and the reloader share (an emptyDir in the Pod); the speaker makes it. */
export const sharedDir = (node: LabHost) => `/var/run/frr/${node.ns.name}-portside`;

/** The speaker flags of the frr backend on `node`. */
export function frrSpeakerArgs(node: LabHost): string[] {
  return ['--bgp-backend', 'frr', '--frr-vty-socket', sidecarVtyDir(node), '--frr-config-dir', sharedDir(node)];
}

export interface Sidecar {
  frr: FrrRouter;
  reloader: LabProcess;
}

/** `frr`: how the node's FRR differs from the FRR image's (e.g. zebra's netns VRF backend). */
export function startSidecarFrr(lab: Lab, node: LabHost, frr: Pick<StartFrrOptions, 'vrfNetns'> = {}): Promise<FrrRouter> {
  return startFrr(lab, node.ns, { name: 'sidecar', unconfigured: true, asn: 0, routerId: node.v4, forwarding: false, ...frr });
}

/** The reloader as the FRR container runs it; `reload` replaces frr-reload.py (a test makes it fail). */
export function startReloader(lab: Lab, node: LabHost, reload?: string): LabProcess {
  lab.trackDir(sharedDir(node));
  return node.ns.spawn('/bin/sh', [RELOADER], {
    name: 'reloader',
    env: {
      ...process.env, PORTSIDE_FRR_CONFIG_DIR: sharedDir(node), FRR_VTY_SOCKET: sidecarVtyDir(node), PORTSIDE_FRR_RECHECK_S: '1',
      ...(reload ? { FRR_RELOAD: reload } : {}),
    },
  });
}

export async function startSidecar(lab: Lab, node: LabHost, frrOptions: Pick<StartFrrOptions, 'vrfNetns'> = {}): Promise<Sidecar> {
  const frr = await startSidecarFrr(lab, node, frrOptions);
  return { frr, reloader: startReloader(lab, node) };
}
