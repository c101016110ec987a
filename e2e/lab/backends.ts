// Who speaks BGP for each lab node (`make lab BGP_BACKEND=native|frr|host-frr`, issue #16):
// - native: the speaker's own sessions, nothing else on the node;
// - frr: the sidecar FRR that the frr manifest puts in the speaker Pod, as processes in the
//   node's namespace (e2e/speaker/frr-sidecar.ts) — zebra, bgpd and bfdd started with no
//   configuration, and frr-image/reloader.sh applying what the speaker writes to its config dir;
// - host-frr: an operator's FRR on the node, `router bgp` peering the ToR, to which the
//   speaker only hands the node's prefixes (dynamic mode: `network` lines).
import { existsSync } from 'node:fs';
import type { Lab } from '../netns/index.ts';
import { startFrr, type FrrRouter } from '../routers/index.ts';
import { frrSpeakerArgs, RELOADER, startSidecar } from '../speaker/frr-sidecar.ts';
import type { LabHost } from './builder.ts';
import { BFD_PROFILE, NODE_ASN, TOR_ASN, TOR_V4 } from './plan.ts';

export const LAB_BGP_BACKENDS = ['native', 'frr', 'host-frr'] as const;
export type LabBgpBackend = (typeof LAB_BGP_BACKENDS)[number];

export { RELOADER };

export function isLabBgpBackend(value: string): value is LabBgpBackend {
  return (LAB_BGP_BACKENDS as readonly string[]).includes(value);
}

/** What a node runs beside its speaker for a backend, and the flags the speaker then takes. */
export interface NodeBackend {
  backend: LabBgpBackend;
  /** Each node's FRR (frr, host-frr), by node name. */
  frr: Map<string, FrrRouter>;
  /** Starts the node's FRR (and reloader), once its network is up. */
  setup(node: LabHost): Promise<void>;
  speakerArgs(node: LabHost): string[];
}

const TIMERS = { keepaliveS: 3, holdS: 9 };
const BFD = { name: BFD_PROFILE.name, receiveIntervalMs: BFD_PROFILE.intervalMs, transmitIntervalMs: BFD_PROFILE.intervalMs, detectMultiplier: BFD_PROFILE.multiplier };

export function nodeBackend(lab: Lab, backend: LabBgpBackend): NodeBackend {
  const frr = new Map<string, FrrRouter>();
  const vtyOf = (node: LabHost): string => {
    const router = frr.get(node.name);
    if (!router) throw new Error(`lab: no FRR on ${node.name} (its setup has not run)`);
    return router.runDir;
  };
  switch (backend) {
    case 'native':
      return { backend, frr, setup: async () => undefined, speakerArgs: () => [] };
    case 'frr':
      return {
        backend,
        frr,
        async setup(node) {
          if (!existsSync(RELOADER)) throw new Error(`${RELOADER} is missing: the frr backend's reloader has not landed (issue #16 item 1)`);
          frr.set(node.name, (await startSidecar(lab, node)).frr);
        },
        speakerArgs: (node) => frrSpeakerArgs(node),
      };
    case 'host-frr':
      return {
        backend,
        frr,
        async setup(node) {
          const host = await startFrr(lab, node.ns, {
            asn: NODE_ASN, routerId: node.v4, forwarding: false, daemons: ['zebra', 'bgpd', 'bfdd'],
            bfdProfiles: [BFD],
            // renderFrrConfig writes `no bgp network import-check`: Portside's `network` lines need no RIB route.
            neighbors: [{ address: TOR_V4, remoteAs: TOR_ASN, timers: TIMERS, bfdProfile: BFD.name }],
          });
          frr.set(node.name, host);
        },
        speakerArgs: (node) => ['--bgp-backend', 'host-frr', '--frr-vty-socket', vtyOf(node)],
      };
  }
}
