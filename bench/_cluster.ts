// What the speaker benchmarks run: a lab (e2e/lab/builder.ts) with the real control plane on
// its root foot and nodes running the shipped `portside speaker` — by default the compiled
// JavaScript the image runs, with the Pods' NODE_OPTIONS — and `portside controller` the same
// way; configured only through the API (LabObjects). BENCH_BUILD=source runs the TypeScript;
// BENCH_NODE_OPTIONS replaces the speaker's Node flags (`NAME=value` entries among them go in its environment).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { buildLab, portsideSpeaker, type BuiltLab, type LabSpec, type NodeProgram, type NodesSpec } from '../e2e/lab/builder.ts';
import { LabObjects } from '../e2e/lab/objects.ts';
import type { Lab, LabProcess } from '../e2e/netns/index.ts';
import { compileShipped } from './_compiled.ts';

/**
 * The manifests' NODE_OPTIONS (`--max-old-space-size-percentage=50`) resolved for each Pod's
 * memory limit (speaker 256Mi, controller 192Mi), and the speaker container's command flags
 * (`node --optimize-for-size --no-opt --no-maglev`, which NODE_OPTIONS cannot carry).
 */
export const POD_FLAGS = {
  speaker: ['--max-semi-space-size=4', '--max-old-space-size=128', '--optimize-for-size', '--no-opt', '--no-maglev'],
  controller: ['--max-semi-space-size=4', '--max-old-space-size=96'],
} as const;

/** A `NAME=value` among a speaker's flags (BENCH_NODE_OPTIONS, speakerWith): an environment variable. */
const ENV_ENTRY = /^[A-Z_][A-Z0-9_]*=/;

export interface BenchClusterSpec<C extends string> extends Omit<LabSpec<LabProcess, C>, 'nodes' | 'controlPlane' | 'root'> {
  nodes: Omit<NodesSpec<LabProcess>, 'runs'>;
  /** Speaker flags besides --node-name, --kubeconfig and --namespace. */
  speakerArgs: (node: { name: string }) => readonly string[];
  /** More Node flags for the speakers (profiling). */
  speakerExtraFlags?: readonly string[];
  speakerNice?: number;
}

export interface BenchCluster<C extends string> {
  built: BuiltLab<LabProcess, C>;
  objects: LabObjects;
  /** What the speakers run, for the report. */
  describe: string;
  /**
   * The same speaker program with other Node flags (Pod flags replaced; the extra flags kept);
   * `NAME=value` entries among them are set in its environment instead (e.g. MALLOC_ARENA_MAX=2);
   * `bin` runs another compiled build (e.g. a baseline checkout's) instead of this one's.
   */
  speakerWith(nodeFlags: readonly string[], bin?: string): NodeProgram<LabProcess>;
  /** Removes the compiled build (the lab is the caller's). */
  cleanup(): void;
}

export async function benchCluster<C extends string>(lab: Lab, spec: BenchClusterSpec<C>): Promise<BenchCluster<C>> {
  const build = process.env.BENCH_BUILD ?? 'compiled';
  if (build !== 'compiled' && build !== 'source') throw new Error(`BENCH_BUILD must be compiled or source, not ${build}`);
  const compiled = build === 'compiled' ? await compileShipped() : undefined;
  const flags = [
    ...(process.env.BENCH_NODE_OPTIONS !== undefined ? process.env.BENCH_NODE_OPTIONS.split(/\s+/).filter(Boolean) : POD_FLAGS.speaker),
    ...(spec.speakerExtraFlags ?? []),
  ];
  try {
    const { speakerArgs, speakerExtraFlags: _extra, speakerNice, nodes, ...rest } = spec;
    const program = (flagsAndEnv: readonly string[], bin = compiled?.bin) => portsideSpeaker({
      args: speakerArgs,
      nodeFlags: flagsAndEnv.filter((f) => !ENV_ENTRY.test(f)),
      env: Object.fromEntries(flagsAndEnv.filter((f) => ENV_ENTRY.test(f)).map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)])),
      ...(bin ? { bin } : {}),
      ...(speakerNice ? { nice: speakerNice } : {}),
    });
    const built = await buildLab<LabProcess, C>(lab, {
      ...rest,
      root: { host: 1 },
      nodes: { ...nodes, runs: program(flags) },
      controlPlane: {
        controllerArgs: ['--metrics-addr', '127.0.0.1:0', '--log-level', 'warn'],
        controllerNodeFlags: POD_FLAGS.controller,
        ...(compiled ? { controllerBin: compiled.bin } : {}),
      },
    });
    const plane = built.plane;
    if (!plane) throw new Error('bench: the lab has no control plane');
    // A Pod parses no YAML kubeconfig, so neither do the measured programs: the same file as
    // JSON (which YAML readers read too), before any of them starts.
    writeFileSync(plane.kubeconfigPath, JSON.stringify(load(readFileSync(plane.kubeconfigPath, 'utf8'))));
    return {
      built,
      objects: new LabObjects(plane.kubeconfig),
      describe: `${build} build, node flags ${flags.join(' ') || '(none)'}${speakerNice ? `, nice ${speakerNice}` : ''}`,
      speakerWith: (nodeFlags, bin) => program([...nodeFlags, ...(spec.speakerExtraFlags ?? [])], bin),
      cleanup: () => compiled && rmSync(compiled.dir, { recursive: true, force: true }),
    };
  } catch (err) {
    if (compiled) rmSync(compiled.dir, { recursive: true, force: true });
    throw err;
  }
}

/** A speaker's own state directory under the lab's. */
export const stateDir = (lab: Lab, node: { name: string }): string => join(lab.dir, 'state', node.name);
