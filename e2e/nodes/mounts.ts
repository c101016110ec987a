// Mounts a node's containerd and kubelet leave under its directory (container root
// filesystems, /dev/shm, pod network namespaces, volumes, the kubelet's rshared bind of its
// root dir): found in /proc/self/mountinfo and unmounted deepest first.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
export function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Mount points at or under `dir`, deepest first (a point mounted twice is listed twice). */
export function mountsUnder(dir: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return mountinfo.split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map(unescapeMountPath)
    .filter((p) => p === dir || p.startsWith(prefix))
    .sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/** Unmounts everything at or under `dir` (lazily when busy); returns what is still mounted. */
export function unmountUnder(dir: string): string[] {
  for (let pass = 0; pass < 5; pass++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return [];
    for (const point of points) {
      try {
        execFileSync('umount', [point], { stdio: 'ignore' });
      } catch {
        try {
          execFileSync('umount', ['--lazy', point], { stdio: 'ignore' });
        } catch {
          // unmounted with its parent already, or still busy: the next pass tells
        }
      }
    }
  }
  return mountsUnder(dir);
}
