// A packet capture in a namespace: tcpdump on one interface, one line per packet with the
// kernel's receive timestamp (AF_PACKET, microseconds of wall clock), e.g.
//   1764896000.123456 IP 198.51.100.131.49233 > 198.51.100.130.3784: UDP, length 24
// Read as { t (epoch ms), src, dst } per packet; tcpdump's own lines (listening on …) skipped.
import { readFileSync } from 'node:fs';
import type { LabProcess } from './process.ts';
import type { Netns } from './netns.ts';
import { waitFor } from '../wait.ts';

export interface CapturedPacket {
  /** Epoch ms, microsecond resolution. */
  t: number;
  src: string;
  dst: string;
}

/** Parses `tcpdump -n -tt --time-stamp-precision=micro` IPv4/IPv6 lines (address.port form). */
export function parseCapture(text: string): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  for (const m of text.matchAll(/^(\d+)\.(\d{6}) IP6? (\S+)\.\d+ > (\S+)\.\d+:/gm)) {
    out.push({ t: Number(m[1]) * 1000 + Number(m[2]) / 1000, src: m[3]!, dst: m[4]! });
  }
  return out;
}

export class PacketCapture {
  readonly proc: LabProcess;

  private constructor(proc: LabProcess) {
    this.proc = proc;
  }

  /** Starts tcpdump on `ifname` in `ns` with the BPF `filter`; resolves once it listens. */
  static async start(ns: Netns, ifname: string, filter: string, name = 'tcpdump'): Promise<PacketCapture> {
    // -l: a line per packet as it comes; -Q in: what arrives at this host; -Z root: keep writing as root.
    const proc = ns.spawn('tcpdump', ['-i', ifname, '-n', '-l', '-tt', '--time-stamp-precision=micro', '-Q', 'in', '-Z', 'root', filter], { name });
    await waitFor(() => readFileSync(proc.logFile, 'utf8').includes('listening on'), { what: `tcpdump listening in ${ns.name}`, timeoutMs: 5_000, intervalMs: 10 });
    return new PacketCapture(proc);
  }

  packets(): CapturedPacket[] {
    return parseCapture(readFileSync(this.proc.logFile, 'utf8'));
  }

  /** The last packet from `src` captured before `before` (epoch ms). */
  lastFrom(src: string, before = Infinity): CapturedPacket | undefined {
    return this.packets().findLast((p) => p.src === src && p.t < before);
  }
}
