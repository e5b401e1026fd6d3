import { ValidationError } from '../core';

/**
 * Per-token lockout: `maxFailures` consecutive failures lock the token for `baseLockMs`; each further
 * lock in a row is `growth` times longer, up to `maxLockMs`. A success clears both counts. The values
 * are the configuration's (`lockout.*`; its defaults follow PingID).
 */
export interface LockoutPolicy {
  /** Consecutive failures that lock the token. */
  readonly maxFailures: number;
  /** The first lock's length. */
  readonly baseLockMs: number;
  /** Each further lock in a row multiplies the length by this. */
  readonly growth: number;
  /** No lock lasts longer than this. */
  readonly maxLockMs: number;
}

/** The policy, checked: a verifier built with a nonsensical one fails at once, naming the field. */
export function lockoutPolicy(policy: LockoutPolicy): LockoutPolicy {
  const positiveInt = (name: string, v: number) => {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new ValidationError(`lockout.${name}: expected a positive integer, got ${v}`);
    }
  };
  positiveInt('maxFailures', policy.maxFailures);
  positiveInt('baseLockMs', policy.baseLockMs);
  positiveInt('maxLockMs', policy.maxLockMs);
  if (!(policy.growth >= 1 && Number.isFinite(policy.growth))) {
    throw new ValidationError(`lockout.growth: expected a number >= 1, got ${policy.growth}`);
  }
  if (policy.maxLockMs < policy.baseLockMs) {
    throw new ValidationError('lockout.maxLockMs: must be at least baseLockMs');
  }
  return policy;
}

export interface FailureCounts {
  readonly failCount: number;
  readonly lockCount: number;
}

export interface FailureStep extends FailureCounts {
  /** Set when this failure locks the token. */
  readonly lockedUntil: number | null;
}

/**
 * The counts after one more failure at `now`. A lock starts the failure count again from zero, so
 * after it expires the token gets `maxFailures` tries before the next, longer lock.
 */
export function afterFailure(
  policy: LockoutPolicy,
  current: FailureCounts,
  now: number,
): FailureStep {
  const failCount = current.failCount + 1;
  if (failCount < policy.maxFailures) {
    return { failCount, lockCount: current.lockCount, lockedUntil: null };
  }
  return {
    failCount: 0,
    lockCount: current.lockCount + 1,
    lockedUntil: now + lockLength(policy, current.lockCount),
  };
}

/** Length of the lock that follows `previousLocks` locks in a row. */
export function lockLength(policy: LockoutPolicy, previousLocks: number): number {
  const length = policy.baseLockMs * Math.pow(policy.growth, previousLocks);
  return Math.min(
    policy.maxLockMs,
    Number.isFinite(length) ? Math.round(length) : policy.maxLockMs,
  );
}
