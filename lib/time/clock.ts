// Time as one port: reading the time and setting timers, so work queues, leader election
// and the BGP, BFD, liveness and L2 code run on fake time in tests.
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Milliseconds; the real clocks below differ in origin, never in rate. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: unknown;
}

// Real timers never hold the process open on their own: sockets, servers and main do.
function unrefTimeout(fn: () => void, ms: number): TimerHandle {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return { id: t };
}

function clearRealTimeout(handle: TimerHandle): void {
  clearTimeout(handle.id as NodeJS.Timeout);
}

/** Wall time (ms since the epoch), for times that leave the process: Lease renewals, heartbeats. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: unrefTimeout,
  clearTimeout: clearRealTimeout,
};

/** Monotonic time, for protocol deadlines that must not jump when NTP steps the wall clock (BFD). */
export const monotonicClock: Clock = {
  now: () => performance.now(),
  setTimeout: unrefTimeout,
  clearTimeout: clearRealTimeout,
};

/** A manual clock for tests: timers fire only when `advance()` passes them. */
export class FakeClock implements Clock {
  private time: number;
  private nextId = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle.id as number);
  }

  pending(): number {
    return this.timers.size;
  }

  /** Milliseconds from now until each pending timer fires, soonest first. */
  delays(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Moves time forward, firing due timers in order (each at its own due time). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextAt = Infinity;
      for (const [id, t] of this.timers) {
        if (t.at <= end && t.at < nextAt) {
          nextAt = t.at;
          nextId = id;
        }
      }
      if (nextId === undefined) break;
      const timer = this.timers.get(nextId);
      this.timers.delete(nextId);
      this.time = nextAt;
      timer?.fn();
    }
    this.time = end;
  }
}
