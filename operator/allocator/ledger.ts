// Who holds which IP: the assignments, the IP → holders index, and the used marks in the pools'
// address sets, kept in step. Makes no decisions; the Allocator validates before it writes.
import { type IpAddress, ipEquals, ipKey } from '../../lib/ip/index.ts';
import type { ServiceKnobs } from '../../lib/service/knobs.ts';
import type { AddressSet } from './address-set.ts';

export interface Held {
  readonly knobs: ServiceKnobs;
  readonly pool: string;
  readonly ips: readonly IpAddress[];
}

interface Holder {
  readonly ip: IpAddress;
  readonly services: Set<string>;
  /** The allow-shared-ip key all holders carry (the only holder's, when it has none). */
  sharingKey: string | undefined;
}

export class Ledger {
  private readonly assignments = new Map<string, Held>();
  private readonly holders = new Map<string, Holder>();
  private readonly byPool = new Map<string, Set<string>>();
  private readonly bySharingKey = new Map<string, Set<string>>();
  /** Every range of every pool: an IP is marked used in each set that contains it. */
  private sets: readonly AddressSet[] = [];

  /** Switches to new pools' sets; `fresh` ones get marks for every IP already held. */
  setAddressSets(sets: readonly AddressSet[], fresh: readonly AddressSet[]): void {
    this.sets = sets;
    if (fresh.length === 0) return;
    for (const h of this.holders.values()) this.mark(h.ip, fresh, true);
  }

  get(key: string): Held | undefined {
    return this.assignments.get(key);
  }

  keys(): IterableIterator<string> {
    return this.assignments.keys();
  }

  servicesInPool(pool: string): string[] {
    return [...(this.byPool.get(pool) ?? [])].sort();
  }

  /** Knobs of the Services on `ip` other than `exceptKey`. */
  others(ip: IpAddress, exceptKey: string): ServiceKnobs[] {
    const h = this.holders.get(ipKey(ip));
    if (!h) return [];
    const out: ServiceKnobs[] = [];
    for (const key of h.services) {
      if (key !== exceptKey) out.push(this.assignments.get(key)!.knobs);
    }
    return out;
  }

  /** IPs held under an allow-shared-ip key. */
  *sharedUnder(sharingKey: string): Generator<IpAddress> {
    for (const k of this.bySharingKey.get(sharingKey) ?? []) yield this.holders.get(k)!.ip;
  }

  /**
   * Records the Service's IPs. Only the difference to what it held is applied, so re-holding
   * the same IPs (a resync) touches no address set.
   */
  hold(knobs: ServiceKnobs, pool: string, ips: readonly IpAddress[]): void {
    const key = knobs.key;
    const old = this.assignments.get(key);
    // At most two IPs per Service: a linear look-up beats building sets.
    const kept = old !== undefined && old.pool === pool ? old.ips : [];
    if (old) {
      for (const ip of old.ips) if (kept !== old.ips || !ips.some((n) => ipEquals(n, ip))) this.detach(key, ip);
      if (old.pool !== pool) this.leavePool(key, old.pool);
    }
    this.assignments.set(key, { knobs, pool, ips });
    if (old?.pool !== pool) {
      let inPool = this.byPool.get(pool);
      if (!inPool) this.byPool.set(pool, (inPool = new Set()));
      inPool.add(key);
    }
    for (const ip of ips) {
      if (kept.some((o) => ipEquals(o, ip))) this.rekey(ip, knobs.sharingKey);
      else this.attach(key, knobs.sharingKey, ip);
    }
  }

  /** Drops the Service's assignment; returns what it held. */
  release(key: string): Held | undefined {
    const held = this.assignments.get(key);
    if (!held) return undefined;
    this.assignments.delete(key);
    this.leavePool(key, held.pool);
    for (const ip of held.ips) this.detach(key, ip);
    return held;
  }

  private leavePool(key: string, pool: string): void {
    const inPool = this.byPool.get(pool)!;
    inPool.delete(key);
    if (inPool.size === 0) this.byPool.delete(pool);
  }

  private attach(key: string, sharingKey: string | undefined, ip: IpAddress): void {
    const k = ipKey(ip);
    let h = this.holders.get(k);
    if (!h) {
      h = { ip, services: new Set(), sharingKey };
      this.holders.set(k, h);
      this.mark(ip, this.sets, true);
      this.indexSharing(k, sharingKey, true);
    }
    h.services.add(key);
  }

  private detach(key: string, ip: IpAddress): void {
    const k = ipKey(ip);
    const h = this.holders.get(k)!;
    h.services.delete(key);
    if (h.services.size > 0) return;
    this.holders.delete(k);
    this.mark(ip, this.sets, false);
    this.indexSharing(k, h.sharingKey, false);
  }

  /** A sole holder may change its sharing key in place (others on the IP must match it anyway). */
  private rekey(ip: IpAddress, sharingKey: string | undefined): void {
    const k = ipKey(ip);
    const h = this.holders.get(k)!;
    if (h.sharingKey === sharingKey) return;
    this.indexSharing(k, h.sharingKey, false);
    h.sharingKey = sharingKey;
    this.indexSharing(k, sharingKey, true);
  }

  private mark(ip: IpAddress, sets: readonly AddressSet[], used: boolean): void {
    for (const s of sets) {
      if (s.range.family !== ip.family || !s.allows(ip.value)) continue;
      if (used) s.add(ip.value);
      else s.delete(ip.value);
    }
  }

  private indexSharing(k: string, sharingKey: string | undefined, add: boolean): void {
    if (sharingKey === undefined) return;
    let set = this.bySharingKey.get(sharingKey);
    if (add) {
      if (!set) this.bySharingKey.set(sharingKey, (set = new Set()));
      set.add(k);
    } else if (set) {
      set.delete(k);
      if (set.size === 0) this.bySharingKey.delete(sharingKey);
    }
  }
}
