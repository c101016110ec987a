// A stand-in for `helm template` over the small part of Go templates the Portside chart
// uses — enough to check the chart against the kustomize base where helm is not
// installed. Supported: `{{ .Values.a.b }}`, `.Release.Name|Namespace`,
// `.Chart.Name|Version|AppVersion`, `| quote`, `toYaml X | nindent N`, `if X … end`,
// `{{/* comments */}}` and the `{{-`/`-}}` trim markers. Anything else throws, so the
// chart cannot silently outgrow this; real helm is used instead when it is available.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseObjects } from './objects.ts';
import type { KubeObject } from './objects.ts';

type Values = Record<string, unknown>;

export interface ChartRenderOptions {
  releaseName: string;
  namespace: string;
  /** Merged over values.yaml like `helm --values`: maps merge, anything else replaces. */
  values?: Values;
}

interface Scope {
  Values: Values;
  Release: { Name: string; Namespace: string };
  Chart: { Name: string; Version: string; AppVersion: string };
}

const isMap = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(v) && isMap(out[k]) ? mergeValues(out[k], v) : v;
  return out;
}

// Go template truth: false, 0, nil and empty strings, lists and maps are false.
function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
}

function lookup(scope: Scope, path: string, where: string): unknown {
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) throw new Error(`${where}: unsupported expression "${path}"`);
  let v: unknown = scope;
  for (const key of path.slice(1).split('.')) {
    if (!isMap(v) || !(key in v)) throw new Error(`${where}: ${path} is not set`);
    v = v[key];
  }
  return v;
}

function scalar(v: unknown, where: string): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`${where}: a map or list printed as a scalar (use toYaml)`);
}

// Helm's toYaml trims the final newline; nindent prefixes a newline and indents each line.
function toYamlNindent(v: unknown, n: number): string {
  const text = stringify(v, { lineWidth: 0, sortMapEntries: true }).replace(/\n$/, '');
  return '\n' + text.split('\n').map((line) => ' '.repeat(n) + line).join('\n');
}

function evaluate(action: string, scope: Scope, where: string): string {
  let m = /^toYaml\s+(\S+)\s*\|\s*nindent\s+(\d+)$/.exec(action);
  if (m) return toYamlNindent(lookup(scope, m[1]!, where), Number(m[2]));
  m = /^(\S+)\s*\|\s*quote$/.exec(action);
  if (m) return JSON.stringify(scalar(lookup(scope, m[1]!, where), where));
  return scalar(lookup(scope, action, where), where);
}

const ACTION = /\{\{(- )?\s*([\s\S]*?)\s*( -)?\}\}/g;

/** Renders one template file's text. */
export function renderTemplate(text: string, scope: Scope, where: string): string {
  // Split into text and actions, then apply the trim markers to the neighbouring text.
  const parts: { text: string; action?: string; trimAfter?: boolean }[] = [];
  let last = 0;
  for (const m of text.matchAll(ACTION)) {
    let before = text.slice(last, m.index);
    if (m[1]) before = before.replace(/\s+$/, '');
    parts.push({ text: before }, { text: '', action: m[2]!, trimAfter: Boolean(m[3]) });
    last = m.index + m[0].length;
  }
  parts.push({ text: text.slice(last) });
  parts.forEach((part, i) => {
    const next = parts[i + 1];
    if (part.trimAfter && next) next.text = next.text.replace(/^\s+/, '');
  });
  let out = '';
  const conditions: boolean[] = [];
  for (const part of parts) {
    const on = conditions.every(Boolean);
    if (part.action === undefined) {
      if (on) out += part.text;
      continue;
    }
    const action = part.action;
    if (/^\/\*[\s\S]*\*\/$/.test(action)) continue;
    const cond = /^if\s+(\S+)$/.exec(action);
    if (cond) {
      conditions.push(on && truthy(lookup(scope, cond[1]!, where)));
    } else if (action === 'end') {
      if (conditions.pop() === undefined) throw new Error(`${where}: {{ end }} without {{ if }}`);
    } else if (on) {
      out += evaluate(action, scope, where);
    }
  }
  if (conditions.length > 0) throw new Error(`${where}: {{ if }} without {{ end }}`);
  return out;
}

/** `helm template` of the chart's templates/*.yaml (not crds/, as helm without --include-crds). */
export async function renderChart(chartDir: string, opts: ChartRenderOptions): Promise<KubeObject[]> {
  const chart = parse(await readFile(join(chartDir, 'Chart.yaml'), 'utf8')) as { name: string; version: string; appVersion: string };
  const defaults = (parse(await readFile(join(chartDir, 'values.yaml'), 'utf8')) ?? {}) as Values;
  const scope: Scope = {
    Values: mergeValues(defaults, opts.values ?? {}),
    Release: { Name: opts.releaseName, Namespace: opts.namespace },
    Chart: { Name: chart.name, Version: String(chart.version), AppVersion: String(chart.appVersion) },
  };
  const dir = join(chartDir, 'templates');
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('_')).sort();
  const objects: KubeObject[] = [];
  for (const file of files) {
    const where = `templates/${file}`;
    objects.push(...parseObjects(renderTemplate(await readFile(join(dir, file), 'utf8'), scope, where), where));
  }
  return objects;
}
