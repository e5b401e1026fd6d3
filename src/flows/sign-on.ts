import { ErrorCode, silentLogger, systemClock, type Clock, type Logger } from '../core';
import type { TokenStore, TokenVerifier, UserOutcome, UserVerification } from '../tokens';
import { FlowError } from './errors';
import { MemoryGuardSteps, type GuardSteps } from './guard-steps';
import type { GuessBudget } from './guess-budget';
import { newSessionToken, type RandomBytes } from './ids';
import { NO_OBSERVER, type FlowObserver } from './observer';
import { refusalOutcome, type FlowOutcome } from './outcome';
import { UnknownUserLockout } from './unknown-users';

/** The audit source of sign-ons, and of unpairing (which only a signed-on page may ask for). */
export const SIGN_ON_SOURCE = 'ws:sign-on';
export const UNPAIR_SOURCE = 'ws:unpair';

export interface SignOnFlowOptions {
  readonly store: TokenStore;
  readonly verifier: TokenVerifier;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly observer?: FlowObserver;
  readonly random?: RandomBytes;
  /**
   * Where the failure counts of user names without tokens are kept (guard-steps.ts): the fleet's
   * registry, or by default this daemon's memory.
   */
  readonly guardSteps?: GuardSteps;
  /** The guess budgets of the connections (the daemon's); without them, none apply. */
  readonly guesses?: GuessBudget;
}

/**
 * Sign-on with any of the user's paired tokens, and unpairing after it.
 *
 * Which token a passcode is for, and what the attempt costs each token, is the verifier's
 * (TokenVerifier.verifyForUser: recognition without side effects, one failure per token, locked
 * tokens not probed); the flow never sees a seed. It adds what only a sign-on has: the session
 * token of an acceptance, and the answers for a user with no tokens, which are the rejected and
 * locked answers a wrong code would bring, from a count under the same policy (shared by a fleet's
 * daemons as the tokens' lockouts are), so sign-on cannot tell which user names exist.
 */
export class SignOnFlow {
  private readonly store: TokenStore;
  private readonly verifier: TokenVerifier;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly observer: FlowObserver;
  private readonly unknown: UnknownUserLockout;

  constructor(private readonly options: SignOnFlowOptions) {
    this.store = options.store;
    this.verifier = options.verifier;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger()).child({ module: 'sign-on' });
    this.observer = options.observer ?? NO_OBSERVER;
    this.unknown = new UnknownUserLockout(
      this.verifier.policy,
      options.guardSteps ?? new MemoryGuardSteps((entry) => this.store.appendAudit(entry)),
    );
  }

  /**
   * A sign-on; `connection` names the page's connection, whose guess budget applies (see
   * GuessBudget): a spent connection is answered `locked` untried, and a fresh one may try once
   * although the user's tokens are locked.
   */
  async signOn(user: string, passcode: string, connection?: string): Promise<FlowOutcome> {
    const budget = connection !== undefined ? this.options.guesses : undefined;
    const gate = budget?.gate(connection!, this.clock.now());
    if (gate && !gate.try) {
      this.observer.verification('sign-on', 'locked');
      return { result: 'locked', retryAfterMs: gate.retryAfterMs };
    }
    let verification = await this.verifier.verifyForUser(user, passcode, {
      source: SIGN_ON_SOURCE,
    });
    if (verification.outcome.status === 'locked' && gate?.fresh)
      verification = await this.despiteLock(budget!, user, passcode, verification);
    for (let i = 0; i < verification.lockouts; i++) this.observer.lockout();
    const outcome = await this.outcomeOf(verification.outcome, user);
    if (budget && (verification.tried > 0 || verification.outcome.status === 'not-found'))
      budget.tried(connection!, outcome.result === 'accepted', this.clock.now());
    this.observer.verification('sign-on', outcome.result);
    this.logger.info(
      {
        user,
        tokens: verification.tokens,
        tried: verification.tried,
        outcome: outcome.result,
      },
      'sign-on',
    );
    return outcome;
  }

  /** The fresh connection's one try at a locked user, when the user's slot for it is open. */
  private async despiteLock(
    budget: GuessBudget,
    user: string,
    passcode: string,
    locked: UserVerification,
  ): Promise<UserVerification> {
    const report = await budget.takeFreshSlot(user, this.clock.now());
    if (!report) return locked;
    let result: UserVerification | undefined;
    try {
      result = await this.verifier.verifyLockedForUser(user, passcode, { source: SIGN_ON_SOURCE });
      // Counted as tried whatever the answer, so the connection is fresh no more.
      return { ...result, tried: Math.max(1, result.tried) };
    } finally {
      // The answer stands whatever becomes of the report: one that cannot be written leaves the
      // slot to its lease (FRESH_TRY_LEASE_MS), closed meanwhile.
      await report(result === undefined ? undefined : result.outcome.status === 'accepted').catch(
        (err: unknown) =>
          this.logger.warn(
            { user, error: err instanceof Error ? err.message : String(err) },
            'fresh try not reported; its slot waits for its lease',
          ),
      );
    }
  }

  /** Unpairs one of the user's own tokens (the server has checked the user signed on). */
  async unpair(user: string, serial: string): Promise<void> {
    const record = await this.store.get(serial);
    const notYours = new FlowError(
      ErrorCode.TOKEN_NOT_FOUND,
      `token ${serial} is not paired to ${user}`,
    );
    if (record === null || record.user !== user) throw notYours;
    const was = await this.store.unpair(serial, { source: UNPAIR_SOURCE, user });
    if (was === null) throw notYours;
    this.logger.info({ user, serial }, 'token unpaired');
  }

  private async outcomeOf(outcome: UserOutcome, user: string): Promise<FlowOutcome> {
    switch (outcome.status) {
      case 'accepted':
        return {
          result: 'accepted',
          serial: outcome.serial,
          sessionToken: newSessionToken(this.options.random),
        };
      case 'not-found':
        return this.unknownUser(user);
      default:
        return refusalOutcome(outcome);
    }
  }

  /**
   * A counted failure is audited as a token's would be (and costs the same durable write, so the
   * answer's timing does not single out user names without tokens either).
   */
  private async unknownUser(user: string): Promise<FlowOutcome> {
    // A counted failure and its audit row are one change (one statement on a fleet's registry).
    const answer = await this.unknown.fail(user, this.clock.now(), {
      event: 'failed',
      serial: null,
      user,
      source: SIGN_ON_SOURCE,
      detail: { reason: 'no-paired-token' },
    });
    // Answered exactly as a wrong code for a real token would be.
    return refusalOutcome(
      answer.result === 'locked'
        ? { status: 'locked', retryAfterMs: answer.retryAfterMs }
        : { status: 'rejected', reason: 'wrong', attemptsLeft: answer.attemptsLeft },
    );
  }
}
