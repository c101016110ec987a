// Pure: MetalLB's website pages (website/content/configuration/*.md) → coherent scenarios of
// converted portside.dev objects. The grouping rule, in the order it applies:
//  1. Every ```yaml block is read; its metallb.io objects and MetalLB's legacy ConfigMap are
//     kept and converted with `portside migrate`'s core; anything else (a Service, frr-k8s's
//     FRRConfiguration) is set aside with its kind named.
//  2. A scenario is a section (the text under one heading, at any level): its blocks are
//     applied in order, as `kubectl apply` would. When a block defines an object the scenario
//     already holds (same kind and name: the page shows an alternative, or a replacement),
//     the state before it is one scenario, and the block starts the next from what is left.
//  3. A scenario that names a pool, peer, BFD profile or community alias it does not hold
//     gets that object's first definition elsewhere on the same page (transitively). Names
//     defined nowhere on the page stay unresolved: the page's snippet is a fragment.
import { parseAllDocuments } from 'yaml';
import type { Loss, Obj } from '../../lib/migrate/convert.ts';
import { migrateDocuments } from '../../lib/migrate/migrate.ts';

export interface YamlBlock {
  readonly section: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly text: string;
}

export interface Scenario {
  /** `page#section-slug`, with ` (n)` for the n-th scenario of one section. */
  readonly id: string;
  readonly objects: readonly Obj[];
  /** What migrate could not carry. */
  readonly lost: readonly Loss[];
  /** Kind/name of the objects taken from elsewhere on the page (rule 3). */
  readonly borrowed: readonly string[];
  /** What the scenario names but nothing on the page defines: `Kind/name`, or `Community alias NAME`. */
  readonly unresolved: readonly string[];
  /** Kinds in the blocks that are neither MetalLB objects nor its ConfigMap. */
  readonly setAside: readonly string[];
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const specOf = (o: Obj): Obj => (isObj(o.spec) ? o.spec : {});
const nameOf = (o: Obj): string => String(isObj(o.metadata) ? o.metadata.name : '');
const keyOf = (o: Obj): string => `${String(o.kind)}/${nameOf(o)}`;

/** The ```yaml blocks of a Markdown page, each with the heading it sits under. */
export function yamlBlocks(markdown: string): YamlBlock[] {
  const blocks: YamlBlock[] = [];
  let section = '';
  let fence: { lang: string; line: number; lines: string[] } | undefined;
  markdown.split('\n').forEach((line, i) => {
    if (fence) {
      if (/^\s*```\s*$/.test(line)) {
        if (fence.lang === 'yaml') blocks.push({ section, line: fence.line, text: fence.lines.join('\n') });
        fence = undefined;
      } else {
        fence.lines.push(line);
      }
      return;
    }
    const open = /^\s*```(\S*)\s*$/.exec(line);
    if (open) fence = { lang: open[1]!.toLowerCase(), line: i + 1, lines: [] };
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) section = heading[1]!;
  });
  return blocks;
}

/** Hugo's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
export function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').trim().replace(/\s+/g, '-');
}

const isMetallbInput = (d: Obj): boolean =>
  String(d.apiVersion ?? '').startsWith('metallb.io/') || (d.apiVersion === 'v1' && d.kind === 'ConfigMap' && isObj(d.data) && 'config' in d.data);

interface ConvertedBlock { section: string; objects: Obj[]; lost: Loss[]; setAside: string[] }

function convertBlock(block: YamlBlock, namespace: string): ConvertedBlock {
  const docs = parseAllDocuments(block.text).map((d) => d.toJS() as unknown).filter(isObj);
  const kept = docs.filter(isMetallbInput);
  const setAside = docs.filter((d) => !isMetallbInput(d)).map((d) => `${String(d.apiVersion)} ${String(d.kind)}`);
  const { objects, lost } = migrateDocuments(kept, namespace);
  return { section: block.section, objects, lost, setAside };
}

/** Kind/name (or, for a community alias, `Community alias NAME`) of every object `o` names. */
function references(o: Obj): string[] {
  const spec = specOf(o);
  if (o.kind === 'L2Advertisement') return strings(spec.ipAddressPools).map((n) => `IPAddressPool/${n}`);
  if (o.kind === 'BGPAdvertisement') {
    return [
      ...strings(spec.ipAddressPools).map((n) => `IPAddressPool/${n}`),
      ...strings(spec.peers).map((n) => `BGPPeer/${n}`),
      // A community that is not a value (no ':') is an alias a Community object defines.
      ...strings(spec.communities).filter((c) => !c.includes(':')).map((c) => `Community alias ${c}`),
    ];
  }
  if (o.kind === 'BGPPeer' && typeof spec.bfdProfile === 'string') return [`BFDProfile/${spec.bfdProfile}`];
  return [];
}

/** The keys an object answers to: its kind/name, and each community alias it defines. */
function provides(o: Obj): string[] {
  const aliases = o.kind === 'Community' && Array.isArray(specOf(o).communities)
    ? (specOf(o).communities as unknown[]).filter(isObj).map((c) => `Community alias ${String(c.name)}`)
    : [];
  return [keyOf(o), ...aliases];
}

/** Rule 3: adds the page's first definition of every name the scenario uses but lacks. */
function borrow(objects: Map<string, Obj>, page: ReadonlyMap<string, Obj>): string[] {
  const borrowed: string[] = [];
  for (let added = true; added;) {
    added = false;
    const held = new Set([...objects.values()].flatMap(provides));
    for (const ref of [...objects.values()].flatMap(references)) {
      const def = held.has(ref) ? undefined : page.get(ref);
      if (!def || objects.has(keyOf(def))) continue;
      objects.set(keyOf(def), def);
      borrowed.push(keyOf(def));
      added = true;
      break;
    }
  }
  return borrowed;
}

/** Rules 1–3 for one page. */
export function pageScenarios(page: string, markdown: string, namespace: string): Scenario[] {
  const blocks = yamlBlocks(markdown).map((b) => convertBlock(b, namespace));
  const firstDefinition = new Map<string, Obj>();
  for (const o of blocks.flatMap((b) => b.objects)) for (const k of provides(o)) if (!firstDefinition.has(k)) firstDefinition.set(k, o);

  const scenarios: Scenario[] = [];
  const perSection = new Map<string, number>();
  let open: { section: string; objects: Map<string, Obj>; lost: Loss[]; setAside: string[] } | undefined;
  const close = () => {
    if (!open || open.objects.size === 0) return;
    const n = (perSection.get(open.section) ?? 0) + 1;
    perSection.set(open.section, n);
    const objects = new Map(open.objects);
    const borrowed = borrow(objects, firstDefinition);
    const held = new Set([...objects.values()].flatMap(provides));
    const unresolved = [...new Set([...objects.values()].flatMap(references).filter((r) => !held.has(r)))];
    scenarios.push({
      id: `${page}#${slug(open.section)}${n > 1 ? ` (${n})` : ''}`,
      objects: [...objects.values()], lost: [...open.lost], borrowed, unresolved, setAside: [...open.setAside],
    });
  };
  for (const b of blocks) {
    if (open && (open.section !== b.section || b.objects.some((o) => open!.objects.has(keyOf(o))))) {
      close();
      // A replacement keeps the rest of the section's state; a new section starts empty.
      open = open.section === b.section ? { ...open, objects: new Map(open.objects), lost: [], setAside: [] } : undefined;
    }
    open ??= { section: b.section, objects: new Map(), lost: [], setAside: [] };
    for (const o of b.objects) open.objects.set(keyOf(o), o);
    open.lost.push(...b.lost);
    open.setAside.push(...b.setAside);
  }
  close();
  return scenarios;
}
