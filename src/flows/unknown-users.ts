import { afterFailure, type FailureStep, type LockoutPolicy } from '../tokens';

/** User names remembered at most; the oldest is forgotten first. */
export const DEFAULT_UNKNOWN_USER_CAPACITY = 10_000;

/** A sign-on for a user without tokens, answered as a wrong code for a real user would be. */
export type UnknownUserAnswer = (
  | { readonly result: 'rejected'; readonly attemptsLeft: number }
  | { readonly result: 'locked'; readonly retryAfterMs: number }
) & {
  /** False while locked: the attempt was not tried, as a locked token's is not. */
  readonly counted: boolean;
};

/**
 * Failure counts for user names that have no paired token, kept in memory under the same lockout
 * policy as real tokens. Without them, "attempts left" that never went down (or a lock that never
 * came) would tell a prober which user names are real.
 */
export class UnknownUserLockout {
  private readonly counts = new Map<string, FailureStep>();

  constructor(
    private readonly policy: LockoutPolicy,
    private readonly capacity = DEFAULT_UNKNOWN_USER_CAPACITY,
  ) {}

  get size(): number {
    return this.counts.size;
  }

  fail(user: string, now: number): UnknownUserAnswer {
    const current = this.counts.get(user) ?? { failCount: 0, lockCount: 0, lockedUntil: null };
    if (current.lockedUntil !== null && current.lockedUntil > now)
      return { result: 'locked', retryAfterMs: current.lockedUntil - now, counted: false };
    const step = afterFailure(this.policy, current, now);
    this.counts.delete(user);
    this.counts.set(user, step);
    if (this.counts.size > this.capacity) {
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
    }
    if (step.lockedUntil !== null)
      return { result: 'locked', retryAfterMs: step.lockedUntil - now, counted: true };
    return {
      result: 'rejected',
      attemptsLeft: Math.max(0, this.policy.maxFailures - step.failCount),
      counted: true,
    };
  }
}
