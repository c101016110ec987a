// Pure: the speaker's ConfigurationState status — the config load result plus what this
// speaker cannot honour as configured (no liveness key, unusable peers, a broken BGP
// backend). BFD echo mode is no condition here: the native and host-frr speakers refuse an
// echoMode BFDProfile as a configuration error (lib/config/backend.ts), the frr backend runs it.
import type { V1Condition } from '@kubernetes/client-node';
import type { ConfigError } from '../../lib/config/index.ts';
import { type ConfigurationStateStatus, configurationStatus } from '../../lib/report/configuration-state.ts';

export interface SpeakerNotes {
  /** Why liveness runs without authentication (undefined = key loaded). */
  livenessKeyProblem?: string | undefined;
  /** With a key problem: heartbeats still run, signed with the last key this process loaded. */
  livenessOnLastKey?: boolean;
  /** BGPPeers this node cannot run a session for, with the reason. */
  peerProblems?: readonly { peer: string; reason: string }[];
  /** Why the BGP backend itself does not work (host-frr: FRR unreachable or its output unreadable). */
  bgpBackendProblem?: string | undefined;
}

function condition(type: string, ok: boolean, reason: string, message: string, now: Date): V1Condition {
  return { type, status: ok ? 'True' : 'False', reason, message, lastTransitionTime: now };
}

export function speakerConfigurationStatus(
  errors: readonly ConfigError[],
  opts: { stale: boolean; now: Date; warnings?: readonly ConfigError[] },
  notes: SpeakerNotes,
): ConfigurationStateStatus {
  const base = configurationStatus(errors, opts);
  const { now } = opts;
  const extra: V1Condition[] = [];
  extra.push(notes.livenessKeyProblem
    ? condition('LivenessAuthenticated', false, 'LivenessKeyMissing', notes.livenessOnLastKey
      ? `${notes.livenessKeyProblem}: heartbeats stay signed with the last key this speaker loaded, so layer-2 failover keeps working until it restarts; a restarted speaker has failover off until the Secret is back`
      : `${notes.livenessKeyProblem}: layer-2 failover is off, every eligible node is taken as live (owners follow Node objects only)`, now)
    : condition('LivenessAuthenticated', true, 'LivenessKeyLoaded', 'speaker heartbeats are authenticated', now));
  const peers = notes.peerProblems ?? [];
  if (peers.length > 0) {
    extra.push(condition('BGPPeersUsable', false, 'PeerUnusable', peers.map((p) => `BGPPeer ${p.peer}: ${p.reason}`).join('; '), now));
  }
  if (notes.bgpBackendProblem) extra.push(condition('BGPBackendReady', false, 'BackendError', notes.bgpBackendProblem.slice(0, 1024), now));
  return { ...base, conditions: [...base.conditions, ...extra] };
}
