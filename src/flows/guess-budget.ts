import { afterFailure, lockLength, type FailureStep, type LockoutPolicy } from '../tokens';

/** User names whose fresh-try slot is remembered at most; the oldest is forgotten first. */
export const DEFAULT_GUESS_USER_CAPACITY = 10_000;

/** Whether a guess may be tried now; when not, how long until it may. */
export type GuessGate =
  | { readonly try: true; readonly fresh: boolean }
  | { readonly try: false; readonly retryAfterMs: number };

const NO_FAILURES: FailureStep = { failCount: 0, lockCount: 0, lockedUntil: null };

/**
 * The guess budgets in front of the token lockout (docs/security.md, "Lockout abuse"). A guess is
 * a passcode a connection sends (sign-on, pairing verification); the budgets are in memory, per
 * daemon, and never touch a token.
 *
 * - Per connection: after `perConnection` failed guesses the connection's passcodes are refused
 *   untried for a while (the lockout's lengths: lockout.baseMs, growing by lockout.multiplier up
 *   to lockout.maxMs). One page guessing goes no faster than the lockout lets it.
 * - Per user: the token lockout still locks a token after lockout.maxFailures failures, from any
 *   connection, shared by every daemon on the registry. But a *fresh* connection (one that has
 *   failed no guess) may still try once when the user's tokens are locked: a correct code then
 *   unlocks and signs on, so guessing alice's name three times no longer keeps alice out. Those
 *   tries are themselves rationed per user: one, and after each one that fails the next waits the
 *   next lockout length. Fresh connections are free to open, so this is what bounds them.
 */
export class GuessBudget {
  private readonly connections = new Map<string, FailureStep>();
  private readonly freshSlots = new Map<string, FailureStep>();
  private readonly connectionPolicy: LockoutPolicy;

  constructor(
    private readonly policy: LockoutPolicy,
    perConnection: number,
    private readonly userCapacity = DEFAULT_GUESS_USER_CAPACITY,
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
   * slot is taken at once (two fresh connections racing get one try between them) and the
   * returned function reports how the try went: a success reopens the slot, a failure closes it
   * for the next lockout length, and `undefined` (the try did not happen: a fault) gives it back.
   */
  takeFreshSlot(user: string, now: number): ((accepted: boolean | undefined) => void) | undefined {
    const current = this.freshSlots.get(user) ?? NO_FAILURES;
    if (current.lockedUntil !== null && current.lockedUntil > now) return undefined;
    this.remember(user, { ...current, lockedUntil: Number.MAX_SAFE_INTEGER });
    return (accepted) => {
      if (accepted === undefined) this.remember(user, current);
      else if (accepted) this.freshSlots.delete(user);
      else
        this.remember(user, {
          failCount: 0,
          lockCount: current.lockCount + 1,
          lockedUntil: this.clockAfter(now, current.lockCount),
        });
    };
  }

  private clockAfter(now: number, previousLocks: number): number {
    return now + lockLength(this.policy, previousLocks);
  }

  private remember(user: string, step: FailureStep): void {
    this.freshSlots.delete(user);
    this.freshSlots.set(user, step);
    if (this.freshSlots.size > this.userCapacity) {
      const oldest = this.freshSlots.keys().next().value;
      if (oldest !== undefined) this.freshSlots.delete(oldest);
    }
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

  get size(): { connections: number; users: number } {
    return { connections: this.connections.size, users: this.freshSlots.size };
  }
}
