export * from './knobs.ts';
export { ANNOTATION_PREFIXES, KNOB_NAMES, type KnobName, annotationField, readKnobAnnotation } from './annotations.ts';
export { serviceFamilies } from './families.ts';
