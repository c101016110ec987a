import { type Cidr, cidrKey } from '../../lib/ip/index.ts';
import { attributesKey } from './route.ts';
import type { AnnouncedRoute, OutboundRoute, RouteAttributes } from './route.ts';

/** Turns a planner route into what this session sends; undefined = cannot send now. */
export type ExportFn = (route: AnnouncedRoute) => RouteAttributes | undefined;

interface Sent {
  route: OutboundRoute;
  key: string;
}

/**
 * Adj-RIB-Out: what we want a peer to have and what it has been sent, so only changed
 * prefixes go on the wire and an identical re-announcement sends nothing.
 */
export class AdjRibOut {
  private readonly desired = new Map<string, AnnouncedRoute>();
  private readonly sent = new Map<string, Sent>();
  private readonly dirty = new Set<string>();

  announce(routes: readonly AnnouncedRoute[]): void {
    for (const r of routes) {
      const k = cidrKey(r.prefix);
      this.desired.set(k, r);
      this.dirty.add(k);
    }
  }

  withdraw(prefixes: readonly Cidr[]): void {
    for (const p of prefixes) {
      const k = cidrKey(p);
      if (this.desired.delete(k)) this.dirty.add(k);
    }
  }

  /** Replaces the whole desired set. */
  replace(routes: readonly AnnouncedRoute[]): void {
    const keep = new Set(routes.map((r) => cidrKey(r.prefix)));
    this.withdraw([...this.desired.values()].filter((r) => !keep.has(cidrKey(r.prefix))).map((r) => r.prefix));
    this.announce(routes);
  }

  /** Marks every desired route for re-export (e.g. a policy such as GRACEFUL_SHUTDOWN changed). */
  invalidate(): void {
    for (const k of this.desired.keys()) this.dirty.add(k);
  }

  /** The peer's copy is gone (session down): everything is sent again next time. */
  reset(): void {
    this.sent.clear();
    this.invalidate();
  }

  /** The minimal diff since the last call; records it as sent. */
  takeChanges(exportRoute: ExportFn): { announce: OutboundRoute[]; withdraw: Cidr[] } {
    const announce: OutboundRoute[] = [];
    const withdraw: Cidr[] = [];
    for (const k of this.dirty) {
      const want = this.desired.get(k);
      const attributes = want && exportRoute(want);
      const had = this.sent.get(k);
      if (want && attributes) {
        const key = attributesKey(attributes);
        if (had?.key === key) continue;
        const route = { prefix: want.prefix, attributes };
        this.sent.set(k, { route, key });
        announce.push(route);
      } else if (had) {
        this.sent.delete(k);
        withdraw.push(had.route.prefix);
      }
    }
    this.dirty.clear();
    return { announce, withdraw };
  }

  /** What the peer currently has, for ROUTE-REFRESH. */
  sentRoutes(family?: 4 | 6): OutboundRoute[] {
    return [...this.sent.values()].map((s) => s.route).filter((r) => family === undefined || r.prefix.family === family);
  }

  /** Prefixes the peer has been sent and holds. */
  get sentCount(): number {
    return this.sent.size;
  }

  get size(): number {
    return this.desired.size;
  }
}
