/** Everything time-based takes `now` from a Clock, so the pipeline can run in virtual time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface VirtualClock extends Clock {
  set(at: Date): void;
  advance(ms: number): Date;
}

export function createVirtualClock(start: Date): VirtualClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    set(at) {
      if (at.getTime() < current) throw new Error(`virtual clock cannot go back from ${new Date(current).toISOString()} to ${at.toISOString()}`);
      current = at.getTime();
    },
    advance(ms) {
      current += ms;
      return new Date(current);
    },
  };
}
