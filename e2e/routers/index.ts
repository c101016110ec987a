// Real routers in lab namespaces. Typical use (see routers.netns.test.ts):
//   const lab = await Lab.create(); t.after(() => lab.destroy());
//   const frr = await startFrr(lab, tor, { asn: 64512, routerId, listenRanges: [...] });
//   await frr.waitEstablished('198.51.100.12'); await frr.waitKernelRoute(prefix, [hops]);
export * from './frr.ts';
export * from './frr-config.ts';
export * from './gobgp.ts';
export * from './bird.ts';
