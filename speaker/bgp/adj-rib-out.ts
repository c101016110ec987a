import { type Cidr, cidrKey } from '../../lib/ip/index.ts';
import { attributesKey } from './route.ts';
import type { AnnouncedRoute, OutboundRoute, RouteAttributes } from './route.ts';

/** Turns a planner route into what this session sends; undefined = cannot send now. */
export type ExportFn = (route: AnnouncedRoute) => RouteAttributes | undefined;

interface Sent {
  route: OutboundRoute;
  /** The attributes' key (attributesKey), shared by every route sent with equal attributes. */
  key: string;
}

/** The one copy of a key and its attributes (the key string is the one stored, not an equal one). */
interface Interned {
  key: string;
  attributes: RouteAttributes;
}

/** Past this many distinct attribute sets remembered, those no sent route uses are forgotten. */
const INTERN_PRUNE_AT = 1024;

/**
 * Adj-RIB-Out: what we want a peer to have and what it has been sent, so only changed
 * prefixes go on the wire and an identical re-announcement sends nothing.
 */
export class AdjRibOut {
  private readonly desired = new Map<string, AnnouncedRoute>();
  private readonly sent = new Map<string, Sent>();
  private readonly dirty = new Set<string>();
  /**
   * One attributes object and key per distinct attribute set: thousands of prefixes usually
   * share one or a few, and each sent route would otherwise hold its own copy of both
   * (≈ 3 MB at 10,000 prefixes, bench/bgp.ts).
   */
  private interned = new Map<string, Interned>();

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
        const fresh = attributesKey(attributes);
        if (had?.key === fresh) {
          // Unchanged: hold the newest plan's prefix object, so the older one can be collected.
          if (had.route.prefix !== want.prefix) had.route = { prefix: want.prefix, attributes: had.route.attributes };
          continue;
        }
        const shared = this.intern(fresh, attributes);
        const route = { prefix: want.prefix, attributes: shared.attributes };
        this.sent.set(k, { route, key: shared.key });
        announce.push(route);
      } else if (had) {
        this.sent.delete(k);
        withdraw.push(had.route.prefix);
      }
    }
    this.dirty.clear();
    return { announce, withdraw };
  }

  /** The remembered key and attributes equal to these (remembered now if new). */
  private intern(key: string, attributes: RouteAttributes): Interned {
    const known = this.interned.get(key);
    if (known) return known;
    if (this.interned.size >= INTERN_PRUNE_AT) {
      this.interned = new Map();
      for (const s of this.sent.values()) this.interned.set(s.key, { key: s.key, attributes: s.route.attributes });
    }
    const fresh = { key, attributes };
    this.interned.set(key, fresh);
    return fresh;
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
