import type { ClockChange } from './target';
import { systemClock, type Clock, type Timer, type TimerOptions } from '../core';

/**
 * Real time plus an offset that `set-clock` moves: time keeps flowing (timeouts, pacing and the
 * Yubico timestamp behave), while TOTP steps and lockout expiry can be reached without waiting.
 * Timers run on the base clock: moving the offset never fires or delays one.
 */
export class QaClock implements Clock {
  private offsetMs = 0;

  constructor(private readonly base: Clock = systemClock) {}

  now(): number {
    return this.base.now() + this.offsetMs;
  }

  setTimeout(fn: () => void, ms: number, options?: TimerOptions): Timer {
    return this.base.setTimeout(fn, ms, options);
  }

  apply(change: ClockChange): void {
    if ('at' in change) this.offsetMs = change.at - this.base.now();
    else this.offsetMs += change.advance;
  }
}
