// What both FRR backends do with the sessions they read from FRR: BGP metrics per peer, and
// the listeners that rewrite BGPSessionState (a change) and refresh the restart marker (up).
import type { Registry } from '../../lib/metrics/index.ts';
import { BgpStats } from '../bgp/index.ts';
import type { FrrPeerSession } from '../frr/sessions.ts';

export class FrrSessionReports {
  private readonly stats: BgpStats;
  private current: FrrPeerSession[] = [];
  private readonly changeListeners: (() => void)[] = [];
  private readonly upListeners: (() => void)[] = [];

  constructor(registry: Registry) {
    this.stats = new BgpStats(registry);
  }

  get views(): FrrPeerSession[] {
    return this.current;
  }

  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  onUp(listener: () => void): void {
    this.upListeners.push(listener);
  }

  /** A change that is not a session's (the backend's problem): BGPSessionState and ConfigurationState are rewritten. */
  changed(): void {
    for (const l of this.changeListeners) l();
  }

  /** The sessions as FRR reports them now; listeners hear about what changed. */
  publish(views: FrrPeerSession[], { changed = false }: { changed?: boolean } = {}): void {
    const before = JSON.stringify(this.current);
    const wasUp = new Set(this.current.filter((v) => v.established).map((v) => v.name));
    for (const v of this.current) if (!views.some((n) => n.name === v.name)) this.stats.removePeer(v.name);
    for (const v of views) {
      this.stats.sessionUp(v.name, v.established);
      this.stats.prefixes(v.name, v.prefixesSent, 0);
    }
    this.current = views;
    if (views.some((v) => v.established && !wasUp.has(v.name))) for (const l of this.upListeners) l();
    if (changed || JSON.stringify(views) !== before) this.changed();
  }
}
