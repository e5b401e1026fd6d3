import { ErrorCode, silentLogger, systemClock, type Clock, type Logger } from '../core';
import type { TokenStore, TokenVerifier, UserOutcome } from '../tokens';
import { FlowError } from './errors';
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
  /** How many user names without tokens keep a failure count (default 10,000). */
  readonly unknownUserCapacity?: number;
}

/**
 * Sign-on with any of the user's paired tokens, and unpairing after it.
 *
 * Which token a passcode is for, and what the attempt costs each token, is the verifier's
 * (TokenVerifier.verifyForUser: recognition without side effects, one failure per token, locked
 * tokens not probed); the flow never sees a seed. It adds what only a sign-on has: the session
 * token of an acceptance, and the answers for a user with no tokens, which are the rejected and
 * locked answers a wrong code would bring, from an in-memory count under the same policy, so
 * sign-on cannot tell which user names exist.
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
    this.unknown = new UnknownUserLockout(this.verifier.policy, options.unknownUserCapacity);
  }

  async signOn(user: string, passcode: string): Promise<FlowOutcome> {
    const verification = await this.verifier.verifyForUser(user, passcode, {
      source: SIGN_ON_SOURCE,
    });
    for (let i = 0; i < verification.lockouts; i++) this.observer.lockout();
    const outcome = await this.outcomeOf(verification.outcome, user);
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
    const answer = this.unknown.fail(user, this.clock.now());
    if (answer.counted)
      await this.store.appendAudit({
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
