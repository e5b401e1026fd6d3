import { ErrorCode, silentLogger, systemClock, type Clock, type Logger } from '../core';
import {
  wipeSecret,
  type TokenRecord,
  type TokenStore,
  type TokenVerifier,
  type VerifyOutcome,
} from '../tokens';
import { runVerify, type EngineOptions } from '../tokens/engine-dispatch';
import { FlowError } from './errors';
import { newSessionToken, type RandomBytes } from './ids';
import { NO_OBSERVER, type FlowObserver } from './observer';
import { justLocked, rejectedReason, type FlowOutcome, type RejectedReason } from './outcome';
import { parsePasscode, type Passcode } from './passcode';
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
  /** The verifier's windows, so the choice among a user's tokens sees what it will (default: the engine's). */
  readonly engine?: EngineOptions;
  /** How many user names without tokens keep a failure count (default 10,000). */
  readonly unknownUserCapacity?: number;
}

/** One token's answer inside a sign-on. */
type TokenAnswer =
  | { readonly kind: 'accepted'; readonly serial: string }
  | { readonly kind: 'rejected'; readonly reason: RejectedReason; readonly attemptsLeft: number }
  | { readonly kind: 'locked'; readonly until: number }
  | { readonly kind: 'gone' };

/** How strongly a token's window recognises a code: an exact match beats a drifted one beats a replay. */
const RANK = { valid: 3, ahead: 2, replayed: 1 } as const;

/**
 * Sign-on with any of the user's paired tokens, and unpairing after it.
 *
 * Which token a passcode is for: a Yubico OTP names it by public id. Digits could come from any of
 * the user's HOTP/TOTP tokens with that many digits; with more than one, each token's window is
 * checked without side effects first, and only the token that recognises the code (a match, else a
 * code ahead of its window, else a replay) is verified, so a user with two tokens does not collect a
 * failure on one for every sign-on with the other. A code no token recognises counts one failure on
 * each candidate (or, when the code fits none of them, on each of the user's tokens): one attempt,
 * one failure per token, never more.
 *
 * A user with no tokens gets the same rejected and locked answers a wrong code would bring, from an
 * in-memory count under the same policy, so sign-on cannot tell which user names exist.
 * needs-next-passcode is not a sign-on: it is reported as rejected, out-of-window, without a failure.
 */
export class SignOnFlow {
  private readonly store: TokenStore;
  private readonly verifier: TokenVerifier;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly observer: FlowObserver;
  private readonly engine: EngineOptions;
  private readonly unknown: UnknownUserLockout;

  constructor(private readonly options: SignOnFlowOptions) {
    this.store = options.store;
    this.verifier = options.verifier;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger()).child({ module: 'sign-on' });
    this.observer = options.observer ?? NO_OBSERVER;
    this.engine = options.engine ?? { hotp: {}, totp: {} };
    this.unknown = new UnknownUserLockout(this.verifier.policy, options.unknownUserCapacity);
  }

  async signOn(user: string, passcode: string): Promise<FlowOutcome> {
    const parsed = parsePasscode(passcode);
    const tokens = await this.store.tokensOf(user);
    const targets = candidates(tokens, parsed);
    let answers: TokenAnswer[] = [];
    if (targets.length > 0) {
      const chosen = targets.length === 1 ? targets[0] : await this.recognise(targets, parsed.otp);
      for (const token of chosen ? [chosen] : targets)
        answers.push(await this.verifyOne(token, parsed.otp, user));
      answers = answers.filter((a) => a.kind !== 'gone');
    }
    const outcome = answers.length > 0 ? this.combine(answers) : await this.unknownUser(user);
    this.observer.verification('sign-on', outcome.result);
    this.logger.info(
      { user, tokens: tokens.length, tried: answers.length, outcome: outcome.result },
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

  /** The token whose window holds the code, checked in memory only; undefined when none does. */
  private async recognise(targets: TokenRecord[], otp: string): Promise<TokenRecord | undefined> {
    let best: { token: TokenRecord; rank: number } | undefined;
    const now = this.clock.now();
    for (const token of targets) {
      // A locked token is not tried at all: whether the code fits it must not show.
      if (token.lockedUntil !== null && token.lockedUntil > now) continue;
      const loaded = await this.store.load(token.serial);
      if (loaded === null) continue;
      let rank = 0;
      try {
        const result = runVerify(loaded.record, loaded.secret, otp, now, this.engine);
        if (result.valid) rank = RANK.valid;
        else if (result.reason === 'needs-next-passcode') rank = RANK.ahead;
        else if (result.reason === 'replayed') rank = RANK.replayed;
      } finally {
        wipeSecret(loaded.secret);
      }
      if (rank > (best?.rank ?? 0)) best = { token: loaded.record, rank };
    }
    return best?.token;
  }

  private async verifyOne(token: TokenRecord, otp: string, user: string): Promise<TokenAnswer> {
    const outcome = await this.verifier.verify(token.serial, otp, {
      source: SIGN_ON_SOURCE,
      user,
    });
    if (justLocked(outcome)) this.observer.lockout();
    return this.answerOf(outcome, token);
  }

  private async answerOf(outcome: VerifyOutcome, token: TokenRecord): Promise<TokenAnswer> {
    switch (outcome.status) {
      case 'accepted':
        return { kind: 'accepted', serial: outcome.serial };
      case 'not-found':
        return { kind: 'gone' };
      case 'locked':
        return { kind: 'locked', until: outcome.until };
      case 'rejected':
        if (outcome.lockedUntil !== null) return { kind: 'locked', until: outcome.lockedUntil };
        return {
          kind: 'rejected',
          reason: rejectedReason(outcome.reason),
          attemptsLeft: outcome.attemptsLeft,
        };
      case 'needs-next-passcode': {
        const fresh = (await this.store.get(token.serial)) ?? token;
        return {
          kind: 'rejected',
          reason: 'out-of-window',
          attemptsLeft: Math.max(0, this.verifier.policy.maxFailures - fresh.failCount),
        };
      }
    }
  }

  /** Any acceptance wins; else locked only when every token tried is locked; else the closest call. */
  private combine(answers: TokenAnswer[]): FlowOutcome {
    const accepted = answers.find((a) => a.kind === 'accepted');
    if (accepted)
      return {
        result: 'accepted',
        serial: accepted.serial,
        sessionToken: newSessionToken(this.options.random),
      };
    const rejected = answers.filter((a) => a.kind === 'rejected');
    if (rejected.length === 0) {
      const now = this.clock.now();
      const until = Math.min(...answers.map((a) => (a.kind === 'locked' ? a.until : now)));
      return { result: 'locked', retryAfterMs: Math.max(0, until - now) };
    }
    return {
      result: 'rejected',
      reason: rejected[0]!.reason,
      attemptsLeft: Math.min(...rejected.map((a) => a.attemptsLeft)),
    };
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
    return answer.result === 'locked'
      ? { result: 'locked', retryAfterMs: answer.retryAfterMs }
      : { result: 'rejected', reason: 'wrong-passcode', attemptsLeft: answer.attemptsLeft };
  }
}

/**
 * The user's tokens this passcode could be for: the Yubico token with its public id, or the
 * HOTP/TOTP tokens with its digit count. When it fits none, every token of the user (the attempt
 * still counts against them).
 */
function candidates(tokens: TokenRecord[], passcode: Passcode): TokenRecord[] {
  const fits = tokens.filter((t) =>
    passcode.kind === 'yubico'
      ? t.kind === 'yubico' && t.publicId === passcode.publicId
      : passcode.kind === 'digits' && t.kind !== 'yubico' && t.digits === passcode.otp.length,
  );
  return fits.length > 0 ? fits : tokens;
}
