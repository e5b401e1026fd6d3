import { afterFailure, lockLength, type FailureStep, type LockoutPolicy } from '../tokens';
import { changeStep, MemoryGuardSteps, NO_FAILURES, type GuardSteps } from './guard-steps';

/**
 * How long a taken fresh try holds its user's slot at most. The try reports back well within it;
 * a daemon that dies holding the slot (its report never comes) closes it for no longer than this.
 */
export const FRESH_TRY_LEASE_MS = 60_000;

/** Whether a guess may be tried now; when not, how long until it may. */
export type GuessGate =
  | { readonly try: true; readonly fresh: boolean }
  | { readonly try: false; readonly retryAfterMs: number };

/** Reports how a fresh try went: true accepted, false refused, undefined it never ran (a fault). */
export type FreshTryReport = (accepted: boolean | undefined) => Promise<void>;

/**
 * The guess budgets in front of the token lockout (docs/security.md, "Lockout abuse"). A guess is
 * a passcode a connection sends (sign-on, pairing verification); the budgets never touch a token.
 *
 * - Per connection, in this daemon's memory (a connection is one daemon's): after `perConnection`
 *   failed guesses the connection's passcodes are refused untried for a while (the lockout's
 *   lengths: lockout.baseMs, growing by lockout.multiplier up to lockout.maxMs). One page guessing
 *   goes no faster than the lockout lets it.
 * - Per user, where the guard steps are (guard-steps.ts: a fleet's registry, else this daemon's
 *   memory): the token lockout still locks a token after lockout.maxFailures failures, from any
 *   connection, shared by every daemon on the registry. But a *fresh* connection (one that has
 *   failed no guess) may still try once when the user's tokens are locked: a correct code then
 *   unlocks and signs on, so guessing alice's name three times no longer keeps alice out. Those
 *   tries are themselves rationed per user: one, and after each one that fails the next waits the
 *   next lockout length. Fresh connections are free to open, so this is what bounds them; on a
 *   fleet's registry it bounds them across every kiosk at once.
 */
export class GuessBudget {
  private readonly connections = new Map<string, FailureStep>();
  private readonly connectionPolicy: LockoutPolicy;

  constructor(
    private readonly policy: LockoutPolicy,
    perConnection: number,
    private readonly steps: GuardSteps = new MemoryGuardSteps(),
  ) {
    this.connectionPolicy = { ...policy, maxFailures: perConnection };
  }

  /** Before a guess from `connection`: tried, or refused untried while its budget is spent. */
  gate(connection: string, now: number): GuessGate {
    const step = this.connections.get(connection) ?? NO_FAILURES;
    if (step.lockedUntil !== null && step.lockedUntil > now)
      return { try: false, retryAfterMs: step.lockedUntil - now };
    return { try: true, fresh: step.failCount === 0 && step.lockCount === 0 };
  }

  /**
   * The user's tokens are locked: may this fresh connection try anyway? When it may, the user's
   * slot is taken at once, for FRESH_TRY_LEASE_MS at most (two fresh connections racing, at one
   * kiosk or two, get one try between them), and the returned report says how the try went: a
   * success reopens the slot, a failure closes it for the next lockout length, and `undefined` (the
   * try did not happen: a fault) gives it back. A report after the lease ran out changes nothing.
   */
  async takeFreshSlot(user: string, now: number): Promise<FreshTryReport | undefined> {
    const taken = await changeStep(this.steps, 'fresh-try', user, (held) => {
      const current = held ?? NO_FAILURES;
      if (current.lockedUntil !== null && current.lockedUntil > now)
        return { next: 'keep', answer: undefined };
      const mine: FailureStep = { ...current, lockedUntil: now + FRESH_TRY_LEASE_MS };
      return { next: mine, answer: { held, mine } };
    });
    if (!taken) return undefined;
    return async (accepted) => {
      const { held, mine } = taken;
      const next: FailureStep | null =
        accepted === undefined
          ? held
          : accepted
            ? null
            : {
                failCount: 0,
                lockCount: mine.lockCount + 1,
                lockedUntil: now + lockLength(this.policy, mine.lockCount),
              };
      await this.steps.swap('fresh-try', user, mine, next);
    };
  }

  /** After a guess was tried: a failure spends the connection's budget, a success restores it. */
  tried(connection: string, accepted: boolean, now: number): void {
    if (accepted) {
      this.connections.delete(connection);
      return;
    }
    const current = this.connections.get(connection) ?? NO_FAILURES;
    this.connections.set(connection, afterFailure(this.connectionPolicy, current, now));
  }

  /** The connection closed: its budget goes with it (a new connection starts fresh). */
  drop(connection: string): void {
    this.connections.delete(connection);
  }

  /** Connections whose budget is being spent. */
  get connectionCount(): number {
    return this.connections.size;
  }
}
