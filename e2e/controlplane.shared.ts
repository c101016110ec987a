// One control plane per test file: started in `before`, stopped in `after`. When the
// binaries are unavailable each test skips with one loud line, unless CI=true (fail).
import { after, before } from 'node:test';
import type { TestContext } from 'node:test';
import { ControlPlaneUnavailable, startControlPlane } from './controlplane.ts';
import type { ControlPlane, ControlPlaneOptions } from './controlplane.ts';

export interface SharedControlPlane {
  /** The running control plane, or undefined before `before` ran or when unavailable. */
  current(): ControlPlane | undefined;
  /** Why it is unavailable (undefined when running). */
  unavailable(): ControlPlaneUnavailable | undefined;
}

let lastShared: SharedControlPlane | undefined;

export function sharedControlPlane(opts: ControlPlaneOptions = {}): SharedControlPlane {
  let plane: ControlPlane | undefined;
  let missing: ControlPlaneUnavailable | undefined;
  before(async () => {
    try {
      plane = await startControlPlane(opts);
    } catch (err) {
      if (!(err instanceof ControlPlaneUnavailable) || process.env.CI === 'true') throw err;
      missing = err;
      console.log(`# SKIP: real kube-apiserver unavailable: ${err.message}`);
    }
  });
  after(async () => {
    await plane?.stop();
  });
  const shared: SharedControlPlane = { current: () => plane, unavailable: () => missing };
  lastShared = shared;
  return shared;
}

/** The file's shared control plane, or skips `t` (returns undefined) when it is unavailable. */
export function controlPlaneOrSkip(t: TestContext, shared = lastShared): ControlPlane | undefined {
  if (!shared) throw new Error('controlPlaneOrSkip: call sharedControlPlane() at the top of the test file');
  const plane = shared.current();
  if (plane) return plane;
  const reason = shared.unavailable()?.message ?? 'control plane did not start';
  t.skip(`real kube-apiserver unavailable: ${reason}`);
  return undefined;
}
