// The IP allocator: pure state (pools, assignments), no Kubernetes API.
//
// Order for a Service: requested IPs → address-pool annotation (autoAssign ignored) → pools
// with serviceAllocation that admit it and have autoAssign, by priority (1, 2, …, then unset/0),
// ties by name → autoAssign pools without serviceAllocation, by name. In the chosen pool: the
// lowest address already shared under the Service's allow-shared-ip key that accepts it, else
// the lowest free address.
//
// "Still valid": assign() keeps an IP the Service holds when all of these hold —
//   1. the Service requests no IPs (requested IPs are always exactly what it gets);
//   2. the IP's pool exists, allows the IP (in a range, not a reserved .0/.255) and admits
//      the Service (namespace and Service selectors, evaluated now);
//   3. the address-pool annotation is unset or names that pool;
//   4. the IP's family is one the Service wants (SingleStack: only its first family);
//   5. the sharing rules still pass against the other Services on the IP.
// Pool priority, autoAssign and lower free addresses never move a valid IP. Kept IPs stay;
// a missing family is added from the same pool when it has one free (PreferDualStack pick-up),
// and RequireDualStack falls back to a fresh pair when it has not. An assign() that fails
// leaves the Service holding nothing, and its result says why.
import { type IpAddress, ipEquals } from '../../lib/ip/index.ts';
import { compareCodePoints } from '../../lib/order/index.ts';
import type { ServiceKnobs } from '../../lib/service/knobs.ts';
import { admissionProblem, comparePinnedPools } from './admission.ts';
import { allocationFailure, noPoolMatches, notInAnyPool } from './explain.ts';
import { requestProblem, wantedFamilies } from './families.ts';
import { Ledger } from './ledger.ts';
import { PoolState, sameAddresses, samePool } from './pool-state.ts';
import { sharingProblem } from './sharing.ts';
import {
  type AdoptResult, type AllocatorPool, type AssignResult, type Assignment, type NamespaceLabels,
  type PendingReason, type PoolStats, type RejectedIp, type SetPoolsResult, pending,
} from './types.ts';
import { describeIps, rejectAdopted } from './adopt.ts';

type Outcome = { ok: true; ips: readonly IpAddress[]; pool: string } | { ok: false; reason: PendingReason };

export interface AllocatorOptions {
  /** Labels of a namespace, for namespaceSelectors. Default: every namespace unlabelled. */
  readonly namespaceLabels?: NamespaceLabels;
}

export class Allocator {
  private pools = new Map<string, PoolState>();
  private byName: PoolState[] = [];
  /** serviceAllocation set and autoAssign on, by priority then name. */
  private pinned: PoolState[] = [];
  /** autoAssign on and no serviceAllocation, by name. */
  private open: PoolState[] = [];
  private readonly ledger = new Ledger();
  private readonly namespaceLabels: NamespaceLabels;

  constructor(options: AllocatorOptions = {}) {
    this.namespaceLabels = options.namespaceLabels ?? (() => undefined);
  }

  /**
   * Replaces the pools. Services on pools that did not change are not looked at. On a changed
   * or deleted pool, a Service loses each IP its pool no longer allows or whose pool no longer
   * admits it; those Services are returned (call assign() for each). Pool names are unique;
   * on a repeat the last one wins.
   */
  setPools(specs: readonly AllocatorPool[]): SetPoolsResult {
    const next = new Map<string, PoolState>();
    const fresh: PoolState[] = [];
    for (const spec of specs) {
      const old = this.pools.get(spec.name);
      const reused = old && !fresh.some((p) => p.name === spec.name) && sameAddresses(old.spec, spec);
      const p = reused ? new PoolState(spec, old.sets) : new PoolState(spec);
      if (!reused) fresh.push(p);
      next.set(spec.name, p);
    }
    const affected: string[] = [];
    for (const [name, old] of this.pools) {
      const now = next.get(name);
      if (!now || !samePool(old.spec, now.spec) || now.sets !== old.sets) affected.push(...this.ledger.servicesInPool(name));
    }
    // Release first (marks go from the old sets), then switch sets, then hold what stays.
    const toClear: string[] = [];
    const rehold: Array<{ knobs: ServiceKnobs; pool: string; ips: IpAddress[] }> = [];
    for (const key of affected) {
      const held = this.ledger.get(key)!;
      const pool = next.get(held.pool);
      const admitted = pool && admissionProblem(pool.spec, held.knobs, this.namespaceLabels) === undefined;
      const keep = admitted ? held.ips.filter((ip) => pool.allows(ip)) : [];
      if (keep.length === held.ips.length) continue;
      this.ledger.release(key);
      toClear.push(key);
      if (keep.length > 0) rehold.push({ knobs: held.knobs, pool: held.pool, ips: keep });
    }
    this.pools = next;
    this.byName = [...next.values()].sort((a, b) => compareCodePoints(a.name, b.name));
    this.pinned = this.byName.filter((p) => p.spec.serviceAllocation && p.spec.autoAssign).sort((a, b) => comparePinnedPools(a.spec, b.spec));
    this.open = this.byName.filter((p) => !p.spec.serviceAllocation && p.spec.autoAssign);
    this.ledger.setAddressSets(this.byName.flatMap((p) => p.sets), fresh.flatMap((p) => p.sets));
    for (const r of rehold) this.ledger.hold(r.knobs, r.pool, r.ips);
    return { toClear: toClear.sort() };
  }

  /**
   * Takes the IPs a Service already has in its status, before any pending Service is served,
   * so a restart moves nothing. Each IP is checked as assign() would check it; invalid ones are
   * rejected with a reason and the rest kept. Call in a stable order: on a conflict the first wins.
   */
  adopt(knobs: ServiceKnobs, ips: readonly IpAddress[]): AdoptResult {
    this.ledger.release(knobs.key);
    const invalid = requestProblem(knobs);
    if (invalid !== undefined) {
      const reason: PendingReason = { reason: 'InvalidRequest', message: invalid };
      return { ok: false, reason, rejected: ips.map((ip) => ({ ip, reason })) };
    }
    const accepted: IpAddress[] = [];
    const rejected: RejectedIp[] = [];
    let pool: PoolState | undefined;
    for (const ip of ips) {
      const found = this.poolOf(ip);
      const reason = rejectAdopted(ip, knobs, wantedFamilies(knobs), accepted, found, pool)
        ?? (found ? undefined : notInAnyPool(ip, this.byName))
        ?? this.admissionReason([ip], found!, knobs)
        ?? sharingProblem(ip, knobs, this.ledger.others(ip, knobs.key));
      if (reason) {
        rejected.push({ ip, reason });
        continue;
      }
      accepted.push(ip);
      pool = found;
    }
    if (!pool) {
      return { ok: false, reason: rejected[0]?.reason ?? { reason: 'InvalidRequest', message: 'no IPs to adopt' }, rejected };
    }
    const done = this.commit(knobs, pool, accepted);
    return { ...done, rejected };
  }

  /** Gives the Service its IPs, keeping every one that is still valid (see the top of this file). */
  assign(knobs: ServiceKnobs): AssignResult {
    const before = this.ledger.get(knobs.key);
    const outcome = this.decide(knobs, before);
    if (!outcome.ok) {
      this.ledger.release(knobs.key);
      return outcome;
    }
    const changed = !before || before.pool !== outcome.pool || before.ips.length !== outcome.ips.length ||
      !outcome.ips.every((ip) => before.ips.some((b) => ipEquals(b, ip)));
    return { ok: true, ips: outcome.ips, pool: outcome.pool, changed };
  }

  /** Frees the Service's IPs (shared ones stay with the other Services). */
  release(key: string): boolean {
    return this.ledger.release(key) !== undefined;
  }

  assignmentOf(key: string): Assignment | undefined {
    const held = this.ledger.get(key);
    return held && { pool: held.pool, ips: [...held.ips] };
  }

  poolStats(name: string): PoolStats | undefined {
    return this.pools.get(name)?.stats();
  }

  servicesInPool(name: string): string[] {
    return this.ledger.servicesInPool(name);
  }

  /** Every Service holding an IP, sorted. */
  services(): string[] {
    return [...this.ledger.keys()].sort();
  }

  private decide(knobs: ServiceKnobs, before: ReturnType<Ledger['get']>): Outcome {
    const invalid = requestProblem(knobs);
    if (invalid !== undefined) return pending('InvalidRequest', invalid);
    if (knobs.requestedIPs.length > 0) return this.assignRequested(knobs);
    return (before && this.keepValid(knobs, before.pool, before.ips)) ?? this.allocate(knobs);
  }

  private keepValid(knobs: ServiceKnobs, poolName: string, ips: readonly IpAddress[]): Outcome | undefined {
    const pool = this.pools.get(poolName);
    const wanted = wantedFamilies(knobs);
    const admitted = pool !== undefined && (knobs.poolName === undefined || knobs.poolName === poolName) &&
      admissionProblem(pool.spec, knobs, this.namespaceLabels) === undefined;
    const keep = admitted
      ? ips.filter((ip) => wanted.includes(ip.family) && pool.allows(ip) && !sharingProblem(ip, knobs, this.ledger.others(ip, knobs.key)))
      : [];
    // The Service still holds its old IPs while extras are picked: they are of other families.
    for (const f of wanted) {
      if (!pool || keep.length === 0) break;
      if (keep.some((ip) => ip.family === f)) continue;
      const extra = this.pick(pool, f, knobs);
      if (extra) keep.push(extra);
      else if (knobs.familyPolicy === 'RequireDualStack') keep.length = 0;
    }
    if (!pool || keep.length === 0) {
      this.ledger.release(knobs.key);
      return undefined;
    }
    return this.commit(knobs, pool, keep);
  }

  private allocate(knobs: ServiceKnobs): Outcome {
    if (knobs.poolName !== undefined) {
      const pool = this.pools.get(knobs.poolName);
      if (!pool) return pending('PoolNotFound', `pool ${knobs.poolName} (address-pool annotation of ${knobs.key}) does not exist`);
      const why = admissionProblem(pool.spec, knobs, this.namespaceLabels);
      if (why !== undefined) return pending('PoolNotAllowed', why);
      return this.allocateFrom([pool], knobs);
    }
    const refusals: string[] = [];
    const admitting = this.pinned.filter((p) => {
      const why = admissionProblem(p.spec, knobs, this.namespaceLabels);
      if (why !== undefined) refusals.push(why);
      return why === undefined;
    });
    const candidates = [...admitting, ...this.open];
    if (candidates.length === 0) return noPoolMatches(knobs, this.byName, refusals);
    return this.allocateFrom(candidates, knobs);
  }

  private allocateFrom(pools: readonly PoolState[], knobs: ServiceKnobs): Outcome {
    const wanted = wantedFamilies(knobs);
    for (const p of pools) {
      const ips = wanted.map((f) => this.pick(p, f, knobs));
      if (ips.every((ip) => ip !== undefined)) return this.commit(knobs, p, ips);
    }
    if (knobs.familyPolicy === 'PreferDualStack') {
      for (const f of wanted) {
        for (const p of pools) {
          const ip = this.pick(p, f, knobs);
          if (ip) return this.commit(knobs, p, [ip]);
        }
      }
    }
    return allocationFailure(pools, knobs, wanted);
  }

  /** The lowest address shared under the Service's key that accepts it, else the lowest free one. */
  private pick(pool: PoolState, family: 4 | 6, knobs: ServiceKnobs): IpAddress | undefined {
    if (!pool.hasFamily(family)) return undefined;
    if (knobs.sharingKey !== undefined) {
      let best: IpAddress | undefined;
      for (const ip of this.ledger.sharedUnder(knobs.sharingKey)) {
        if (ip.family !== family || (best && best.value <= ip.value) || !pool.allows(ip)) continue;
        if (!sharingProblem(ip, knobs, this.ledger.others(ip, knobs.key))) best = ip;
      }
      if (best) return best;
    }
    return pool.lowestFree(family);
  }

  private assignRequested(knobs: ServiceKnobs): Outcome {
    let pool: PoolState | undefined;
    for (const ip of knobs.requestedIPs) {
      const found = this.poolOf(ip);
      if (!found) return { ok: false, reason: notInAnyPool(ip, this.byName) };
      if (pool && found !== pool) {
        return pending('InvalidRequest', `requested IPs must come from one pool: ${describeIps(knobs.requestedIPs)} span pools ${pool.name} and ${found.name}`);
      }
      pool = found;
    }
    const reason = this.admissionReason(knobs.requestedIPs, pool!, knobs) ??
      knobs.requestedIPs.map((ip) => sharingProblem(ip, knobs, this.ledger.others(ip, knobs.key))).find((r) => r !== undefined);
    return reason ? { ok: false, reason } : this.commit(knobs, pool!, knobs.requestedIPs);
  }

  /** Why the explicitly named IPs may not go to this Service from their pool. */
  private admissionReason(ips: readonly IpAddress[], pool: PoolState, knobs: ServiceKnobs): PendingReason | undefined {
    const what = describeIps(ips);
    if (knobs.poolName !== undefined && knobs.poolName !== pool.name) {
      return { reason: 'RequestedIPNotAllowed', message: `${what} in pool ${pool.name}, but the address-pool annotation asks for pool ${knobs.poolName}` };
    }
    const why = admissionProblem(pool.spec, knobs, this.namespaceLabels);
    return why === undefined ? undefined : { reason: 'RequestedIPNotAllowed', message: `${what} in pool ${pool.name}, and ${why}` };
  }

  /** The first pool by name that allows the address. */
  private poolOf(ip: IpAddress): PoolState | undefined {
    return this.byName.find((p) => p.allows(ip));
  }

  private commit(knobs: ServiceKnobs, pool: PoolState, ips: readonly IpAddress[]): { ok: true; ips: IpAddress[]; pool: string } {
    const order = wantedFamilies(knobs);
    const sorted = [...ips].sort((a, b) => order.indexOf(a.family) - order.indexOf(b.family));
    this.ledger.hold(knobs, pool.name, sorted);
    return { ok: true, ips: sorted, pool: pool.name };
  }
}
