// Service annotations with MetalLB's prefixes honoured as aliases (migration from MetalLB).
import type { KnobError } from './knobs.ts';

/** In order of precedence: Portside's own, then MetalLB's current and older prefixes. */
export const ANNOTATION_PREFIXES = ['portside.dev/', 'metallb.io/', 'metallb.universe.tf/'] as const;

export const KNOB_NAMES = ['loadBalancerIPs', 'address-pool', 'allow-shared-ip'] as const;
export type KnobName = (typeof KNOB_NAMES)[number];

/** The field path of an annotation, as errors print it. */
export function annotationField(key: string): string {
  return `metadata.annotations["${key}"]`;
}

export type AnnotationValue =
  | { ok: true; value: string | undefined; field: string }
  | { ok: false; error: KnobError };

/**
 * The knob's value from whichever prefixes set it. The same value under several prefixes is
 * fine (the portside.dev one is reported as the source); different values are an error.
 */
export function readKnobAnnotation(
  annotations: Readonly<Record<string, string>> | undefined,
  knob: KnobName,
): AnnotationValue {
  const found: Array<{ key: string; value: string }> = [];
  for (const prefix of ANNOTATION_PREFIXES) {
    const key = `${prefix}${knob}`;
    const value = annotations?.[key];
    if (typeof value === 'string') found.push({ key, value: value.trim() });
  }
  const first = found[0];
  if (!first) return { ok: true, value: undefined, field: annotationField(`portside.dev/${knob}`) };
  const other = found.find((f) => f.value !== first.value);
  if (other) {
    return {
      ok: false,
      error: {
        field: annotationField(first.key),
        message:
          `annotations "${first.key}" ("${first.value}") and "${other.key}" ("${other.value}") disagree: ` +
          `keep only "portside.dev/${knob}", or give both the same value`,
      },
    };
  }
  return { ok: true, value: first.value, field: annotationField(first.key) };
}
