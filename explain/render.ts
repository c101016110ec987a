// Plain text for people: at most 100 columns (long lines wrap with a hanging indent), colour
// only on a terminal, the verdict last. `-o json` prints the report objects instead.
import type { PoolReport } from './pool.ts';
import type { ServiceReport } from './service.ts';
import type { StatusReport } from './status.ts';
import type { Verdict } from './verdict.ts';

export const WIDTH = 100;

export interface Style {
  ok(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const plain = (t: string) => t;
export const PLAIN: Style = { ok: plain, bad: plain, warn: plain, dim: plain, bold: plain };
const sgr = (code: string) => (t: string) => `\x1b[${code}m${t}\x1b[0m`;
export const COLOUR: Style = { ok: sgr('32'), bad: sgr('31'), warn: sgr('33'), dim: sgr('2'), bold: sgr('1') };

/** Colour on a terminal unless NO_COLOR is set (https://no-color.org). */
export function styleFor(isTTY: boolean | undefined, env: Record<string, string | undefined>): Style {
  return isTTY && !env.NO_COLOR ? COLOUR : PLAIN;
}

/** Splits `text` into lines of at most `width` columns; continuation lines get `hang` spaces. */
export function wrap(text: string, width = WIDTH, hang = 4): string[] {
  const lead = /^ */.exec(text)?.[0] ?? '';
  const words = text.slice(lead.length).split(' ');
  const out: string[] = [];
  let line = lead;
  const pad = ' '.repeat(lead.length + hang);
  for (const word of words) {
    const sep = line.trim() === '' ? '' : ' ';
    if ((line + sep + word).length <= width || line.trim() === '') {
      line += sep + word;
      while (line.length > width) { // one word longer than the line: cut it
        out.push(line.slice(0, width));
        line = pad + line.slice(width);
      }
      continue;
    }
    out.push(line);
    line = pad + word;
  }
  out.push(line);
  return out.map((l) => l.trimEnd());
}

class Text {
  readonly lines: string[] = [];
  readonly s: Style;
  constructor(s: Style) {
    this.s = s;
  }

  /** Adds `text`, wrapped; `paint` colours each wrapped line. */
  add(text: string, paint: (t: string) => string = plain): void {
    for (const l of wrap(text)) this.lines.push(paint(l));
  }

  heading(text: string): void {
    if (this.lines.length > 0) this.lines.push('');
    this.lines.push(this.s.bold(text));
  }

  mark(ok: boolean | 'warn'): string {
    return ok === 'warn' ? this.s.warn('!') : ok ? this.s.ok('✓') : this.s.bad('✗');
  }

  verdict(v: Verdict): string {
    this.lines.push('');
    const word = v.healthy ? 'HEALTHY' : 'NOT HEALTHY';
    const paint = v.healthy ? this.s.ok : this.s.bad;
    this.add(`${word}: ${v.summary} — next: ${v.next}`, paint);
    return `${this.lines.join('\n')}\n`;
  }
}

export function renderService(r: ServiceReport, s: Style = PLAIN): string {
  const t = new Text(s);
  t.add(`Service ${r.service}${r.exists && r.externalTrafficPolicy ? ` (LoadBalancer, externalTrafficPolicy ${r.externalTrafficPolicy})` : ''}`, s.bold);
  if (!r.exists || !r.externalTrafficPolicy) return t.verdict(r.verdict);
  const a = r.allocation;
  t.heading('Allocation');
  if (a.state === 'allocated') t.add(`  ${t.mark(true)} ${a.ips.join(', ')} from pool ${a.pool ?? '(unknown)'}`);
  else {
    t.add(`  ${t.mark(false)} ${a.state === 'pending' ? 'no IP' : 'not served'}: ${a.reason ?? ''}${a.message ? `: ${a.message}` : ''}`);
    if (a.action) t.add(`    to change: ${a.action}`);
  }
  if (r.configErrors.length > 0) {
    t.heading('Configuration (invalid: the components keep their last valid one)');
    for (const e of r.configErrors) t.add(`  ${t.mark(false)} ${e}`);
  }
  if (a.state === 'allocated' && r.configErrors.length === 0) {
    t.heading('Advertisements');
    if (r.advertisements.length === 0) t.add(`  ${t.mark(false)} none: no L2Advertisement or BGPAdvertisement exists`);
    for (const ad of r.advertisements) {
      const peers = ad.peers && ad.selects ? ` (peers: ${ad.peers.length > 0 ? ad.peers.join(', ') : 'all'})` : '';
      t.add(`  ${t.mark(ad.selects)} ${ad.kind} ${ad.name}: ${ad.why}${peers}`);
      for (const n of ad.nodes.filter((x) => x.excludedBecause)) t.add(`      not from ${n.node}: ${n.excludedBecause}`, s.dim);
    }
    t.heading('Ready endpoints per node');
    const per = r.nodes.map((n) => `${n.node} ${n.readyEndpoints}`).join(', ');
    t.add(`  ${per || 'no nodes'}; total ${r.endpoints.total}${r.endpoints.withoutNode ? ` (${r.endpoints.withoutNode} without a node)` : ''}`);
    renderNodes(t, r);
  }
  t.heading('Events (latest first)');
  if (r.events.length === 0) t.add('  none');
  for (const e of r.events) {
    const paint = e.type === 'Warning' ? s.warn : plain;
    t.add(`  ${e.at.replace(/\.\d+Z$/, 'Z')} ${e.type} ${e.reason}${e.count > 1 ? ` (×${e.count})` : ''} ${e.from}: ${e.message}`, paint);
  }
  return t.verdict(r.verdict);
}

function renderNodes(t: Text, r: ServiceReport): void {
  t.heading('Nodes');
  for (const o of r.l2Owners) t.add(`  L2 owner of ${o.ip}: ${o.owner ?? 'none'} (candidates: ${o.candidates.join(', ') || 'none'})`);
  for (const n of r.nodes) {
    const announcing = n.l2.reported || n.bgp.reportedPeers.length > 0;
    const sessionsUp = n.bgp.plannedPeers.every((p) => n.bgp.sessions.some((x) => x.peer === p && x.up));
    t.add(`  ${t.mark(!announcing ? 'warn' : sessionsUp)} ${n.node}${n.unusable ? ` (${n.unusable})` : ''}`);
    if (n.l2.reported) {
      const ifs = n.l2.interfaces.map((i) => `${i.name}${i.mac ? ` ${i.mac}` : ''}`).join(', ');
      t.add(`      L2: answers ARP/NDP on ${ifs || 'its interfaces'}${n.l2.planned ? '' : ' (not the planned owner)'}`);
    }
    for (const peer of new Set([...n.bgp.plannedPeers, ...n.bgp.reportedPeers])) {
      const sess = n.bgp.sessions.find((x) => x.peer === peer);
      const state = sess ? `BGP ${sess.bgp}${sess.bfd ? `, BFD ${sess.bfd}` : ''}` : 'no session report';
      const err = sess && !sess.up && sess.lastError ? ` (${sess.lastError})` : '';
      t.add(`      BGP to ${peer}${sess?.peerAddress ? ` ${sess.peerAddress}` : ''}: ${t.mark(sess?.up ?? false)} ${state}${err}`);
    }
    for (const why of n.notAnnouncing) t.add(`      not announcing: ${why}`, t.s.dim);
  }
}

export function renderPool(r: PoolReport, s: Style = PLAIN): string {
  const t = new Text(s);
  t.add(`IPAddressPool ${r.pool}`, s.bold);
  if (!r.exists) return t.verdict(r.verdict);
  t.add(`  addresses: ${r.addresses.join(', ')}; autoAssign ${r.autoAssign}; avoidBuggyIPs ${r.avoidBuggyIPs}`);
  for (const e of r.configErrors) t.add(`  ${t.mark(false)} ${e}`);
  t.heading(`Usage (${r.countedBy === 'controller' ? 'as the controller counts it' : 'counted here: the pool has no status'})`);
  for (const f of r.families) {
    const rate = f.recentAllocations === 0
      ? `no allocation in the last ${hours(r.rateWindowMs)}`
      : `${f.recentAllocations} allocated in the last ${hours(r.rateWindowMs)}: ${f.exhaustionMs === 0 ? 'exhausted' : `runs out in about ${duration(f.exhaustionMs ?? 0)}`}`;
    t.add(`  ${t.mark(f.free !== '0')} ${f.family}: size ${f.size}, used ${f.used}, free ${f.free}; ${rate}`);
  }
  t.heading(`Holders (${r.holders.length})`);
  for (const h of r.holders) t.add(`  ${h.service}: ${h.ips.join(', ')}${h.since ? ` since ${h.since.replace(/\.\d+Z$/, 'Z')}` : ''}`);
  if (r.pending.length > 0) {
    t.heading(`Waiting for an IP (${r.pending.length})`);
    for (const p of r.pending) t.add(`  ${t.mark(false)} ${p.service}: ${p.reason}: ${p.message}`);
  }
  return t.verdict(r.verdict);
}

export function renderStatus(r: StatusReport, s: Style = PLAIN): string {
  const t = new Text(s);
  t.add('Configuration per component', s.bold);
  if (r.components.length === 0) t.add(`  ${t.mark(false)} no component has reported (no ConfigurationState)`);
  for (const c of r.components) {
    t.add(`  ${t.mark(c.result === 'Valid')} ${c.component}: ${c.result}${c.problem ? `: ${c.problem}` : ''}`);
  }
  for (const e of r.configErrors) t.add(`  ${t.mark(false)} as read now: ${e}`);
  t.heading('BGP sessions per node');
  if (r.nodes.length === 0) t.add('  no nodes');
  for (const n of r.nodes) {
    const sessions = n.sessions.map((x) => `${x.peer} ${x.bgp}${x.bfd ? `/BFD ${x.bfd}` : ''}`).join(', ');
    t.add(`  ${t.mark(n.sessions.every((x) => x.up) && n.speaker === 'Valid' ? true : n.speaker === 'missing' || n.speaker === 'not scheduled' ? 'warn' : false)} ${n.node}: speaker ${n.speaker}; ${sessions || 'no BGP sessions'}`);
    for (const x of n.sessions.filter((y) => !y.up && y.lastError)) t.add(`      ${x.peer}: ${x.lastError}`, s.dim);
  }
  if (r.pending.length > 0) {
    t.heading(`Services without an IP (${r.pending.length})`);
    for (const p of r.pending) t.add(`  ${t.mark(false)} ${p.service}: ${p.reason}: ${p.message}`);
  }
  t.heading(`Stale or conflicting (${r.stale.length})`);
  if (r.stale.length === 0) t.add('  none');
  for (const x of r.stale) t.add(`  ${t.mark('warn')} ${x}`);
  return t.verdict(r.verdict);
}

function hours(ms: number): string {
  return `${Math.round(ms / 3600_000)} h`;
}

/** "45 min", "7 h", "3 d", "more than a year". */
export function duration(ms: number): string {
  const min = ms / 60_000;
  if (min < 1) return 'less than a minute';
  if (min < 90) return `${Math.round(min)} min`;
  const h = min / 60;
  if (h < 48) return `${Math.round(h)} h`;
  const d = h / 24;
  return d < 365 ? `${Math.round(d)} d` : 'more than a year';
}
