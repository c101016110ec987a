// What the benchmarks read about a process from /proc (Linux): CPU time and memory.
import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far; NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** CPU seconds of a process's main thread (its pid's task) and of its other threads together; NaN once it is gone. */
export function threadCpuSeconds(pid: number): { main: number; others: number } {
  try {
    const main = cpuSeconds(pid); // /proc/<pid>/stat sums every thread: the main thread's is its task's
    const task = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = task.slice(task.lastIndexOf(')') + 2).split(' ');
    const own = (Number(fields[11]) + Number(fields[12])) / 100;
    return { main: own, others: main - own };
  } catch {
    return { main: NaN, others: NaN };
  }
}

/**
 * VmRSS and VmHWM (the high-water mark) of `pid` in MB (10^6 bytes), and the RSS's anonymous
 * part (V8's heap, malloc, stacks) and file-backed part (mostly the `node` binary's pages).
 */
export function memoryOf(pid: number): { rss: number; hwm: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string): number => (Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024) / 1e6;
  return { rss: mb('VmRSS'), hwm: mb('VmHWM'), anon: mb('RssAnon'), file: mb('RssFile') };
}
