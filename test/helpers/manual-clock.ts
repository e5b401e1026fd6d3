import { systemClock, type Clock, type Timer, type TimerOptions } from '../../src/core';

interface Armed {
  readonly at: number;
  /** Timers due at the same time fire in the order they were armed, as Node's do. */
  readonly order: number;
  readonly fn: () => void;
}

/** Lets every pending promise continuation and nextTick run (they all run before setImmediate). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The test clock: time stands still until the test moves it, so a test proves that nothing happens
 * by letting the relevant timeout pass on this clock instead of sleeping through it.
 *
 * - `await advance(ms)`: time passes. Due timers fire in time order, and the continuations each one
 *   starts run before the next fires, as between real timers.
 * - `await runUntil(task)`: time passes timer by timer, each time nothing else is left to run, until
 *   the task settles. For work that waits on timers along the way (protocol polls, retries). Only for
 *   work in process: a timer may fire before a reply over a real socket arrives.
 * - `jump(ms)`, or setting `ms`: the wall clock steps, either way (NTP, a stalled event loop). No timer
 *   runs until time next passes; those that became overdue then fire first.
 *
 * Its timers never keep the process alive, whatever they ask.
 */
export class ManualClock implements Clock {
  private readonly armed = new Set<Armed>();
  private order = 0;
  private readonly wakers = new Set<() => void>();

  constructor(public ms = 1_700_000_000_000) {}

  now(): number {
    return this.ms;
  }

  setTimeout(fn: () => void, ms: number, _options?: TimerOptions): Timer {
    const timer: Armed = { at: this.ms + Math.max(0, ms), order: this.order++, fn };
    this.armed.add(timer);
    this.wake();
    return { clear: () => void this.armed.delete(timer) };
  }

  /** Timers armed and neither fired nor cleared. */
  get pendingTimers(): number {
    return this.armed.size;
  }

  jump(ms: number): void {
    this.ms += ms;
  }

  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance(${ms}): time passes forwards; jump() steps back`);
    const until = this.ms + ms;
    await settle();
    for (let next = this.next(); next && next.at <= until; next = this.next()) {
      this.fire(next);
      await settle();
    }
    this.ms = Math.max(this.ms, until);
  }

  /** Resolves or rejects as `task` does; fails when it needs more than `limitMs` of clock time. */
  async runUntil<T>(task: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let done = false;
    const finished = () => {
      done = true;
      this.wake();
    };
    task.then(finished, finished);
    const deadline = this.ms + limitMs;
    await settle();
    while (!done) {
      const next = this.next();
      if (!next) {
        // Nothing armed: the task waits on something else (I/O); a timer armed meanwhile wakes us.
        await new Promise<void>((resolve) => this.wakers.add(resolve));
        await settle();
        continue;
      }
      if (next.at > deadline) {
        throw new Error(`runUntil: the task did not settle within ${limitMs} ms of clock time`);
      }
      this.fire(next);
      await settle();
    }
    return task;
  }

  private next(): Armed | undefined {
    let first: Armed | undefined;
    for (const t of this.armed) {
      if (!first || t.at < first.at || (t.at === first.at && t.order < first.order)) first = t;
    }
    return first;
  }

  private fire(timer: Armed): void {
    this.armed.delete(timer);
    this.ms = Math.max(this.ms, timer.at);
    timer.fn();
  }

  private wake(): void {
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }
}

/**
 * For rigs that run the whole daemon (devices included) and control only the time its registry and
 * flows see: `now()` stands still until the test moves it (`jump`), while the timers are
 * real, so devices open, poll and type as they do in production. Tests that assert on timers use
 * ManualClock instead.
 */
export class HeldClock implements Clock {
  constructor(public ms = Date.now()) {}

  now(): number {
    return this.ms;
  }

  setTimeout(fn: () => void, ms: number, options?: TimerOptions): Timer {
    return systemClock.setTimeout(fn, ms, options);
  }

  /** Steps the time the registry and the flows see, either way (as ManualClock.jump). */
  jump(ms: number): void {
    this.ms += ms;
  }
}
