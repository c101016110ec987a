// A namespace's kernel routes as they change, timestamped by the kernel's own notifications
// (`ip -ts monitor route nexthop`, microseconds of wall clock at receipt) instead of polling
// `ip route` (3–5 ms an exec, and a poll interval of error). Parses the monitor's output:
//   [2026-12-05T00:48:43.205302] 203.0.113.100 nhid 3 proto bgp
//   \tnexthop via 198.51.100.10 dev d0 weight 1
//   [2026-12-05T00:48:43.209989] 203.0.113.100 nhid 4 via 198.51.100.11 dev d0 proto bgp
//   [2026-12-05T00:48:43.217720] Deleted 203.0.113.100 nhid 4 via 198.51.100.11 dev d0 proto bgp
//   [2026-12-05T00:48:43.203737] id 3 group 1/2
// A route message lists its gateways even when it points at a nexthop group (iproute2 6.1);
// a group replaced in place (no route message) is resolved through the `id` messages.
import { readFileSync } from 'node:fs';
import type { LabProcess } from './process.ts';
import type { Netns } from './netns.ts';
import { waitFor, type WaitOptions } from '../wait.ts';

const PROBE = '203.0.113.254'; // a /32: ip prints it without the length

/** The gateways of one watched prefix from `t` (epoch ms, µs resolution) on; [] = no route. */
export interface RouteChange {
  t: number;
  hops: string[];
}

interface Message {
  t: number;
  text: string;
}

/** `[2026-12-05T00:48:43.205302]` (local time, as ip prints it) → epoch ms with the microseconds. */
export function parseMonitorStamp(stamp: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})$/.exec(stamp);
  if (!m) return NaN;
  return new Date(m[1]!).getTime() + Number(m[2]) / 1000;
}

/** Splits monitor output into messages (a stamped line and its tab-indented continuation lines). */
export function monitorMessages(text: string): Message[] {
  const out: Message[] = [];
  for (const line of text.split('\n')) {
    const m = /^\[([^\]]+)\] (.*)$/.exec(line);
    if (m) out.push({ t: parseMonitorStamp(m[1]!), text: m[2]!.trim() });
    else if (line.startsWith('\t') && out.length > 0) out[out.length - 1]!.text += `\n${line.trim()}`;
  }
  return out;
}

const gatewaysIn = (text: string): string[] => [...text.matchAll(/(?:^|\s)via (?:inet6? )?(\S+)/g)].map((m) => m[1]!);

/** Replays monitor messages: the next hops of `prefix` after each change to them. */
export function routeChanges(messages: readonly Message[], prefix: string): RouteChange[] {
  const short = prefix.replace(/\/(32|128)$/, '');
  const groups = new Map<string, { hops?: string[]; members?: string[] }>();
  let nhid: string | undefined;
  const resolve = (id: string, depth = 0): string[] => {
    const g = groups.get(id);
    if (!g || depth > 4) return [];
    return g.hops ?? (g.members ?? []).flatMap((member) => resolve(member, depth + 1));
  };
  const out: RouteChange[] = [];
  const push = (t: number, hops: string[]) => {
    const sorted = [...new Set(hops)].sort();
    if (out.at(-1)?.hops.join(',') !== sorted.join(',')) out.push({ t, hops: sorted });
  };
  for (const { t, text } of messages) {
    const deleted = text.startsWith('Deleted ');
    const body = deleted ? text.slice('Deleted '.length) : text;
    const [first, second] = body.split(/\s+/);
    if (first === 'id' && second !== undefined) {
      if (deleted) groups.delete(second);
      else {
        const group = /\bgroup (\S+)/.exec(body)?.[1];
        groups.set(second, group ? { members: group.split('/').map((m) => m.split(',')[0]!) } : { hops: gatewaysIn(body) });
      }
      if (nhid === second && !deleted) push(t, resolve(second));
      continue;
    }
    if (first !== short && first !== prefix) continue;
    if (deleted) {
      nhid = undefined;
      push(t, []);
      continue;
    }
    nhid = /\bnhid (\d+)/.exec(body)?.[1];
    const listed = gatewaysIn(body);
    push(t, listed.length > 0 || nhid === undefined ? listed : resolve(nhid));
  }
  return out;
}

/** Watches the kernel routes of a namespace from now on; read it with changes()/waitNextHops(). */
export class RouteMonitor {
  readonly proc: LabProcess;

  private constructor(proc: LabProcess) {
    this.proc = proc;
  }

  /** Starts `ip -ts monitor route nexthop` in `ns` (stopped by the lab). */
  static async start(ns: Netns): Promise<RouteMonitor> {
    const proc = ns.spawn('ip', ['-ts', 'monitor', 'route', 'nexthop'], { name: 'route-monitor' });
    // Listening once it reports a route we add and delete (in a table of its own, unreachable:
    // inert); ip opens its netlink socket some time after the spawn, so probe until it does.
    const probe = ['unreachable', PROBE, 'table', '4242'];
    await waitFor(async () => {
      await ns.ip(['route', 'add', ...probe]);
      await ns.ip(['route', 'del', ...probe]);
      return readFileSync(proc.logFile, 'utf8').includes(PROBE);
    }, { what: `ip monitor listening in ${ns.name}`, timeoutMs: 5_000, intervalMs: 20 });
    return new RouteMonitor(proc);
  }

  /** The next hops of `prefix` after the last change seen (undefined: none seen). */
  current(prefix: string): string[] | undefined {
    return this.changes(prefix).at(-1)?.hops;
  }

  /** Every change to `prefix`'s next hops seen so far. */
  changes(prefix: string): RouteChange[] {
    return routeChanges(monitorMessages(readFileSync(this.proc.logFile, 'utf8')), prefix);
  }

  /** Waits for the first change at or after `since` (epoch ms) that leaves `prefix` with exactly `hops`. */
  async waitNextHops(prefix: string, hops: readonly string[], since: number, opts: WaitOptions = {}): Promise<RouteChange> {
    const want = [...hops].sort().join(',');
    return waitFor(
      () => this.changes(prefix).find((c) => c.t >= since && c.hops.join(',') === want),
      { what: `kernel route ${prefix} via [${want}] (ip monitor)`, intervalMs: 5, ...opts },
    );
  }
}
