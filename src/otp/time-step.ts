import { ValidationError } from '../core';
import type { Period } from './types';

/** RFC 6238 time step with T0 = 0: floor(unix seconds / period). */
export function timeStep(nowMs: number, period: Period): number {
  if (!Number.isFinite(nowMs) || nowMs < 0) {
    throw new ValidationError(`time: expected a non-negative number of milliseconds, got ${nowMs}`);
  }
  if (period !== 30 && period !== 60) {
    throw new ValidationError(`period: expected 30 or 60 seconds, got ${String(period)}`);
  }
  return Math.floor(Math.floor(nowMs / 1000) / period);
}
