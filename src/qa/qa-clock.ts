import type { ClockChange } from './target';
import type { Clock } from '../core';

/**
 * Real time plus an offset that `set-clock` moves: time keeps flowing (timeouts, pacing and the
 * Yubico timestamp behave), while TOTP steps and lockout expiry can be reached without waiting.
 */
export class QaClock implements Clock {
  private offsetMs = 0;

  constructor(private readonly base: Clock = { now: () => Date.now() }) {}

  now(): number {
    return this.base.now() + this.offsetMs;
  }

  apply(change: ClockChange): void {
    if ('at' in change) this.offsetMs = change.at - this.base.now();
    else this.offsetMs += change.advance;
  }
}
