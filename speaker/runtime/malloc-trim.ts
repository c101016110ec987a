// glibc keeps what a burst of work freed: a speaker that listed, planned and wrote status for
// 10,000 Services held ≈ 13 MB free in its threads' arenas (glibc's dynamic trim threshold had
// grown past 20 MB after one large block was freed) and ≈ 11 MB of free pages inside its main
// heap, against ≈ 12 MB that malloc actually had in use (docs/benchmarks.md, the speaker's
// memory at 10,000 prefixes). A fixed trim threshold gives back arenas' free tops as memory is
// freed; malloc_trim(0) now and then gives back the free pages inside them.
import { isNativeAvailable, mallocTrim, mallocTrimThreshold } from '../../native/index.ts';

/** glibc's own default before its dynamic adjustment. */
export const TRIM_THRESHOLD_BYTES = 128 * 1024;
/** How often free pages go back (a trim takes ≈ 0.1 ms with nothing to give back, ≈ 7 ms just after a large free, at 10,000 Services). */
export const TRIM_EVERY_MS = 10_000;

export interface Malloc {
  trimThreshold(bytes: number): boolean;
  trim(): boolean;
}

const glibc: Malloc = { trimThreshold: mallocTrimThreshold, trim: mallocTrim };

export interface MallocTrimOptions {
  /** Default: the native addon's (none when it is not built: nothing is done). */
  malloc?: Malloc;
  everyMs?: number;
}

/** Sets the fixed threshold and trims every `everyMs` (an unref'd timer); stop() ends it. */
export function startMallocTrim(opts: MallocTrimOptions = {}): { stop(): void } {
  const malloc = opts.malloc ?? (isNativeAvailable() ? glibc : undefined);
  if (!malloc || !malloc.trimThreshold(TRIM_THRESHOLD_BYTES)) return { stop: () => undefined };
  const timer = setInterval(() => malloc.trim(), opts.everyMs ?? TRIM_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
