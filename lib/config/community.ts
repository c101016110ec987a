// BGP community values: "A:B" (16-bit each), "large:A:B:C" (32-bit each), or a Community alias.
import { type Issues, forObject } from './issues.ts';
import type { Named } from './parse.ts';
import type { ValidCommunity } from './resources.ts';
import type { CommunityValue } from './types.ts';

const UINT = /^[0-9]+$/;

function uint(text: string, max: number): number | undefined {
  if (!UINT.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

export type CommunityParse = { ok: true; value: CommunityValue } | { ok: false; error: string };

/** Parses a literal community value (not an alias). */
export function parseCommunityValue(text: string): CommunityParse {
  const t = typeof text === 'string' ? text.trim() : '';
  const parts = t.split(':');
  if (parts[0]?.toLowerCase() === 'large') {
    const [g, l1, l2] = parts.slice(1).map((p) => uint(p, 0xffffffff));
    if (parts.length === 4 && g !== undefined && l1 !== undefined && l2 !== undefined) {
      return { ok: true, value: { kind: 'large', global: g, local1: l1, local2: l2 } };
    }
    return { ok: false, error: `"${text}" is not a large community: write "large:A:B:C" with three numbers 0-4294967295` };
  }
  if (parts.length === 2) {
    const asn = uint(parts[0]!, 0xffff);
    const value = uint(parts[1]!, 0xffff);
    if (asn !== undefined && value !== undefined) return { ok: true, value: { kind: 'standard', asn, value } };
    return { ok: false, error: `"${text}" is not a community: write "A:B" with two numbers 0-65535` };
  }
  return { ok: false, error: `"${text}" is not a community: write "A:B" (0-65535 each) or "large:A:B:C" (0-4294967295 each)` };
}

export function looksLikeCommunityLiteral(text: string): boolean {
  return text.includes(':');
}

/** Every alias across all Community objects; a name defined twice is an error. */
export function buildCommunityAliases(communities: readonly Named<ValidCommunity>[], issues: Issues): Map<string, CommunityValue> {
  const aliases = new Map<string, CommunityValue>();
  const definedIn = new Map<string, string>();
  for (const { name, object } of communities) {
    issues.guard('Community', name, () => {
      const report = forObject(issues, 'Community', name);
      (object.spec.communities ?? []).forEach((alias, i) => {
        const field = `spec.communities[${i}]`;
        const previous = definedIn.get(alias.name);
        if (previous !== undefined) {
          report.error(`${field}.name`, `alias "${alias.name}" is already defined in Community "${previous}": alias names must be unique across all Community objects`);
          return;
        }
        const parsed = parseCommunityValue(alias.value);
        if (!parsed.ok) { report.error(`${field}.value`, parsed.error); return; }
        definedIn.set(alias.name, name);
        aliases.set(alias.name, parsed.value);
      });
    });
  }
  return aliases;
}

/** A literal value, or an alias looked up in `aliases`. */
export function resolveCommunity(text: string, aliases: ReadonlyMap<string, CommunityValue>): CommunityParse {
  const value = aliases.get(text);
  if (value) return { ok: true, value };
  if (typeof text === 'string' && looksLikeCommunityLiteral(text)) return parseCommunityValue(text);
  return {
    ok: false,
    error: `"${text}" is neither a community value ("A:B", "large:A:B:C") nor an alias defined in a Community object: define the alias or write the value`,
  };
}

export function communityKey(c: CommunityValue): string {
  return c.kind === 'standard' ? `${c.asn}:${c.value}` : `large:${c.global}:${c.local1}:${c.local2}`;
}
