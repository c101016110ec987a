// Network-namespace lab for tests that need root. Typical use:
//   if (!requireRoot(t)) return;
//   const lab = await Lab.create(); t.after(() => lab.destroy());
//   const lan = await lab.bridge('lan'); const n1 = await lab.namespace('n1');
//   const port = await lab.link(n1, lan, { ifname: 'eth0', addrs: ['198.51.100.21/24'] });
//   await lab.dumpOnFailure(async () => { ... await port.setDown(); ... });
export { Lab, type Bridge, type Link, type LinkOptions, type LabOptions, type NamespaceOptions, type Veth, type VethEnd } from './lab.ts';
export { Netns, type Family, type InterfaceAddress, type KernelRoute, type Neighbor, type RouteNextHop, type RouteSpec } from './netns.ts';
export { LabProcess, reniceThreads, type ProcessExit } from './process.ts';
export { run, runJson, CommandError, type ExecOptions, type ExecResult } from './exec.ts';
export { requireRoot, requireCommands } from './skip.ts';
export { RouteMonitor, routeChanges, monitorMessages, type RouteChange } from './route-monitor.ts';
export { PacketCapture, parseCapture, type CapturedPacket } from './packet-capture.ts';
