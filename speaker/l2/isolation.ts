// Was it the peers that died, or us that got cut off? A speaker whose every peer falls
// silent at once cannot tell from heartbeats alone. If it was cut off (a switch port that
// stops forwarding while the carrier stays up), the rest of the segment has taken its IPs
// over, and the moment the port forwards again both would answer. So a speaker that loses
// every peer goes quiet: it answers nothing until it hears a peer again (the partition
// healed: the peers keep the IPs, and hand them back by the claim rule once the views
// agree), or until it sees the segment carry frames while no peer speaks for `waitMs` (it
// is reachable, so the peers really are gone: it answers everything, as the sole survivor).
// Pure: (state, observation) → state.

export type Isolation =
  /** Hears at least one peer, or never had one: ownership as planned. */
  | { readonly phase: 'connected' }
  /** Every peer fell silent: answer nothing. `evidenceAt`: first frame seen from the segment since. */
  | { readonly phase: 'quiet'; readonly since: number; readonly evidenceAt?: number }
  /** Quiet, then the segment proved reachable with no peer speaking: answer as the only node. */
  | { readonly phase: 'alone'; readonly since: number };

export const CONNECTED: Isolation = { phase: 'connected' };

export interface IsolationView {
  now: number;
  /** Peers we watch (0: a single-node cluster, never quiet). */
  watched: number;
  /** Peers heard within the liveness timeout (alive, or dead and rising). */
  heard: number;
  /** Peers alive (risen): the views can be compared again. */
  alive: number;
  /** Some peer was heard since start (a start that hears nobody is not a loss). */
  hadPeers: boolean;
  /** A frame from another host arrived on an announcing interface at this time. */
  frameAt?: number;
  /** How long the segment must carry frames without a heartbeat before we are the sole survivor. */
  waitMs: number;
}

export function nextIsolation(state: Isolation, view: IsolationView): Isolation {
  const { now, watched, heard, alive, hadPeers, frameAt, waitMs } = view;
  if (watched === 0) return CONNECTED;
  switch (state.phase) {
    case 'connected':
      // Quiet only when the last heard peer falls silent; a start with no peer yet is not that.
      return hadPeers && heard === 0 && alive === 0 ? { phase: 'quiet', since: now } : state;
    case 'quiet': {
      if (alive > 0) return CONNECTED;
      if (heard > 0) return { phase: 'quiet', since: state.since }; // a peer is rising: wait for it
      const evidenceAt = state.evidenceAt ?? (frameAt !== undefined && frameAt >= state.since ? frameAt : undefined);
      if (evidenceAt !== undefined && now - evidenceAt >= waitMs) return { phase: 'alone', since: now };
      return evidenceAt === state.evidenceAt ? state : { phase: 'quiet', since: state.since, evidenceAt };
    }
    case 'alone':
      return alive > 0 ? CONNECTED : state;
  }
}

/** Whether the speaker may answer anything in this phase. */
export function mayAnswer(state: Isolation): boolean {
  return state.phase !== 'quiet';
}
