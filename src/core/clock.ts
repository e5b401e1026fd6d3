/**
 * Time as a seam: the TOTP engine, the registry and the device layer take a Clock instead of reading
 * Date.now() or arming Node timers themselves, so tests can move time instead of waiting for it.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once, `ms` from now. */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): Timer;
}

export interface TimerOptions {
  /**
   * Keep the process alive until the timer fires, as pending I/O would. Off by default: background
   * timers (retries, polls, debounces, expiries) must never keep a one-shot command or a stopping
   * daemon up. A wait that an operation is blocked on (a protocol poll, a guard against a driver
   * call that never returns) sets it, or the process could exit in the middle of that operation.
   */
  readonly keepAlive?: boolean;
}

/** An armed Clock timer. clear() may be called any number of times, also after it fired. */
export interface Timer {
  clear(): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms, options) => {
    const timer = setTimeout(fn, ms);
    if (!options?.keepAlive) timer.unref();
    return { clear: () => clearTimeout(timer) };
  },
};

/** Resolves after `ms` on the clock; the caller is waiting on it, so it keeps the process alive. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimeout(resolve, ms, { keepAlive: true });
  });
}
