import { WellKnownCommunity } from './attributes/communities.ts';
import type { Ipv6NextHop } from './attributes/types.ts';
import { Origin } from './attributes/types.ts';
import type { AnnouncedRoute, RouteAttributes } from './route.ts';

export const DEFAULT_LOCAL_PREF = 100;

export interface ExportContext {
  localAs: number; // the session's local ASN (localASN override already applied)
  ibgp: boolean;
  nextHop4?: bigint; // our address on the session
  nextHop6?: Ipv6NextHop; // global + link-local when known
  localPref?: number; // configured default for iBGP
}

/**
 * RFC 4271 §5.1 rules for what we originate: eBGP prepends our ASN and sends no LOCAL_PREF;
 * iBGP sends an empty AS_PATH and LOCAL_PREF. Undefined when the session has no next hop
 * of the prefix's family.
 */
export function exportAttributes(route: AnnouncedRoute, ctx: ExportContext): RouteAttributes | undefined {
  const attrs: RouteAttributes = { origin: Origin.Igp, asPath: ctx.ibgp ? [] : [ctx.localAs] };
  if (route.prefix.family === 4) {
    if (ctx.nextHop4 === undefined) return undefined;
    attrs.nextHop4 = ctx.nextHop4;
  } else {
    if (ctx.nextHop6 === undefined) return undefined;
    attrs.nextHop6 = ctx.nextHop6;
  }
  if (route.med !== undefined) attrs.med = route.med;
  if (ctx.ibgp) attrs.localPref = route.localPref ?? ctx.localPref ?? DEFAULT_LOCAL_PREF;
  if (route.communities?.length) attrs.communities = [...new Set(route.communities)];
  if (route.largeCommunities?.length) attrs.largeCommunities = route.largeCommunities;
  return attrs;
}

/** RFC 8326 §4: GRACEFUL_SHUTDOWN on every path and, where LOCAL_PREF is sent (iBGP), 0. */
export function gracefulShutdownRoute(route: AnnouncedRoute): AnnouncedRoute {
  return { ...route, communities: [...(route.communities ?? []), WellKnownCommunity.GracefulShutdown], localPref: 0 };
}
