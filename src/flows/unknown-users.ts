import { afterFailure, type AuditInput, type LockoutPolicy } from '../tokens';
import { changeStep, MemoryGuardSteps, NO_FAILURES, type GuardSteps } from './guard-steps';

/** A sign-on for a user without tokens, answered as a wrong code for a real user would be. */
export type UnknownUserAnswer = (
  | { readonly result: 'rejected'; readonly attemptsLeft: number }
  | { readonly result: 'locked'; readonly retryAfterMs: number }
) & {
  /** False while locked: the attempt was not tried, as a locked token's is not. */
  readonly counted: boolean;
};

/**
 * Failure counts for user names that have no paired token, under the same lockout policy as real
 * tokens. Without them, "attempts left" that never went down (or a lock that never came) would tell
 * a prober which user names are real. They are kept where the guard steps are (guard-steps.ts): on
 * a fleet's registry, so that a name locked at one kiosk is locked at the next, as a real user's
 * token is; else in this daemon's memory.
 */
export class UnknownUserLockout {
  constructor(
    private readonly policy: LockoutPolicy,
    private readonly steps: GuardSteps = new MemoryGuardSteps(),
  ) {}

  /** One failure of `user` at `now`; `audit` is its row, appended with the count when counted. */
  async fail(user: string, now: number, audit?: AuditInput): Promise<UnknownUserAnswer> {
    return changeStep<UnknownUserAnswer>(this.steps, 'unknown-user', user, (held) => {
      const current = held ?? NO_FAILURES;
      if (current.lockedUntil !== null && current.lockedUntil > now)
        return {
          next: 'keep',
          answer: { result: 'locked', retryAfterMs: current.lockedUntil - now, counted: false },
        };
      const step = afterFailure(this.policy, current, now);
      return {
        next: step,
        ...(audit ? { audit } : {}),
        answer:
          step.lockedUntil !== null
            ? { result: 'locked', retryAfterMs: step.lockedUntil - now, counted: true }
            : {
                result: 'rejected',
                attemptsLeft: Math.max(0, this.policy.maxFailures - step.failCount),
                counted: true,
              },
      };
    });
  }
}
