// Pure readings of what the components report: configuration validity per component, and
// whether a BGPSessionState is up.
import type { ConfigurationStateFields, SessionStateFields, Snapshot, StatusObject } from './snapshot.ts';

export interface ComponentConfig {
  /** "controller" or "speaker-<node>" (the ConfigurationState's name). */
  component: string;
  node?: string;
  result: string;
  problem?: string;
  /** When the reported state last changed. */
  since?: string;
}

const NODE_LABEL = 'portside.dev/node';

export function componentConfig(o: StatusObject<ConfigurationStateFields>): ComponentConfig {
  const name = o.metadata.name ?? '?';
  const node = o.metadata.labels?.[NODE_LABEL] ?? (name.startsWith('speaker-') ? name.slice('speaker-'.length) : undefined);
  const st = o.status ?? {};
  const cond = st.conditions?.find((c) => c.type === 'ConfigurationValid') ?? st.conditions?.[0];
  const problem = st.result === 'Valid' ? undefined : (st.errorSummary || cond?.message || 'no report yet');
  return {
    component: name,
    ...(node && name !== 'controller' ? { node } : {}),
    result: st.result ?? 'Unknown',
    ...(problem ? { problem } : {}),
    ...(cond?.lastTransitionTime ? { since: new Date(cond.lastTransitionTime).toISOString() } : {}),
  };
}

/** Components whose configuration is not Valid. */
export function configProblems(snapshot: Pick<Snapshot, 'configurationStates'>): ComponentConfig[] {
  return snapshot.configurationStates.map(componentConfig).filter((c) => c.result !== 'Valid');
}

/** Established, and BFD Up when the peer has BFD. */
export function sessionHealthy(s: SessionStateFields): boolean {
  return s.bgpStatus === 'Established' && (!s.bfdStatus || s.bfdStatus === 'Up');
}
