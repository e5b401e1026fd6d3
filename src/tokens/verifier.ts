import {
  ErrorCode,
  parsePasscode,
  PASSCODE_MAX_CHARS,
  redactOtp,
  silentLogger,
  StoreError,
  systemClock,
  verifiedPart,
  type Clock,
  type Logger,
} from '../core';
import type { HotpVerifyOptions, ResyncRejectReason, TotpVerifyOptions } from '../otp';
import { publicIdOf, runResync, runVerify, type EngineOptions } from './engine-dispatch';
import { lockoutPolicy, type LockoutPolicy } from './lockout';
import { justLocked, type TokenOutcome, type UserVerification } from './outcome';
import { stateOf, wipeSecret, type LoadedToken, type TokenState, type TokenStore } from './store';
import {
  answerOf,
  candidatesFor,
  combine,
  exactMatch,
  fitsToken,
  recognise,
  type TokenAnswer,
} from './token-choice';
import type { TokenRecord } from './types';

/** How often a verification re-runs after losing a compare-and-set before it reports a fault. */
const MAX_CAS_ROUNDS = 8;

export interface TokenVerifierOptions {
  readonly store: TokenStore;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** The configured lockout (`lockout.*`); there is no built-in one. */
  readonly lockout: LockoutPolicy;
  readonly hotp?: HotpVerifyOptions;
  readonly totp?: TotpVerifyOptions;
  /** Resync search spans (defaults: the engine's, 1000 counters / 120 steps). */
  readonly hotpResyncWindow?: number;
  readonly totpResyncSteps?: number;
}

export interface VerifyContext {
  /** Who asks, for the audit: 'cli', 'ws:sign-on'... */
  readonly source: string;
  /** When set, only a token paired to this user is considered; others are 'not-found'. */
  readonly user?: string;
}

/**
 * Verifies passcodes against the registry. Each attempt loads the token, runs the engine, and makes
 * a success durable by compare-and-set before reporting it; a lost compare-and-set means another
 * verifier moved the token first, so the passcode is checked again against the new state (and then
 * shows as replayed). Failures count towards the lockout, but for input that is not a passcode
 * of the token at all.
 */
export class TokenVerifier {
  readonly policy: LockoutPolicy;
  private readonly store: TokenStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly engine: EngineOptions;

  constructor(options: TokenVerifierOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger()).child({ module: 'token-verifier' });
    this.policy = lockoutPolicy(options.lockout);
    this.engine = {
      hotp: options.hotp ?? {},
      totp: options.totp ?? {},
      ...(options.hotpResyncWindow !== undefined
        ? { hotpResyncWindow: options.hotpResyncWindow }
        : {}),
      ...(options.totpResyncSteps !== undefined
        ? { totpResyncSteps: options.totpResyncSteps }
        : {}),
    };
  }

  async verify(serial: string, otp: string, context: VerifyContext): Promise<TokenOutcome> {
    const passcode = clip(otp);
    const outcome = await this.attempt(
      serial,
      context,
      (token, now): Decision => {
        const result = runVerify(token.record, token.secret, passcode, now, this.engine);
        if (result.valid) return { kind: 'advance', event: 'verified', ...result };
        if (result.reason === 'needs-next-passcode') return { kind: 'needs-next' };
        return { kind: 'fail', reason: result.reason };
      },
      passcode,
    );
    this.logger.info({ serial, otp: redactOtp(passcode), outcome: outcome.status }, 'verify');
    return outcome;
  }

  /** A Yubico OTP tap: the token is found by the public id in front of the ticket. */
  async verifyByPublicId(otp: string, context: VerifyContext): Promise<TokenOutcome> {
    const publicId = publicIdOf(clip(otp));
    if (publicId === null) return { status: 'not-found' };
    const record = await this.store.findByPublicId(publicId);
    if (!record) return { status: 'not-found' };
    return this.verify(record.serial, otp, context);
  }

  /**
   * Which of the user's tokens accepts the passcode, without touching the others. A Yubico OTP names
   * its token by public id; digits could come from any of the user's HOTP/TOTP tokens with that many
   * digits, so with more than one, each window is checked in memory first and only the token that
   * recognises the code (a match, else a code ahead of its window, else a replay) is verified: a
   * user with two tokens does not collect a failure on one for every use of the other. A code no
   * token recognises counts one failure on each candidate (when it fits none, on each of the user's
   * tokens): one attempt, one failure per token, never more. Locked tokens are not probed.
   *
   * No resync is offered here: a code ahead of the window is refused as `out-of-window`, without a
   * failure. Any acceptance wins; else the answer is locked only when every token tried is locked;
   * else the closest call (the first refusal's reason, the fewest attempts left).
   */
  async verifyForUser(
    user: string,
    otp: string,
    context: Pick<VerifyContext, 'source'>,
  ): Promise<UserVerification> {
    const passcode = verifiedPart(clip(otp));
    const remembered = this.store.tokensInMemoryOf?.(user);
    if (remembered) {
      const quick = await this.acceptFromMemory(user, remembered, passcode, context);
      if (quick) return quick;
    }
    const tokens = await this.store.tokensOf(user);
    const targets = candidatesFor(tokens, parsePasscode(passcode));
    let lockouts = 0;
    const answers: TokenAnswer[] = [];
    if (targets.length > 0) {
      const chosen =
        targets.length === 1
          ? targets[0]
          : await recognise(this.store, targets, passcode, this.clock.now(), this.engine);
      for (const token of chosen ? [chosen] : targets) {
        const outcome = await this.verify(token.serial, passcode, { ...context, user });
        if (justLocked(outcome)) lockouts += 1;
        const answer = await answerOf(outcome, token, this.store, this.policy);
        if (answer.kind !== 'gone') answers.push(answer);
      }
    }
    return {
      outcome: answers.length > 0 ? combine(answers, this.clock.now()) : { status: 'not-found' },
      tokens: tokens.length,
      tried: answers.length,
      lockouts,
    };
  }

  /**
   * A sign-on from the store's memory of the user's tokens (a fleet node's copies), saving the read
   * of them. Taken only when one remembered token would accept the code (checked in memory,
   * nothing counted): its verification then decides on the registry's state as any other (the
   * compare-and-set names the revision it read; anything but an advance is decided on a fresh
   * read). When that token turns out not to be the user's any more, or locked, nothing was counted,
   * and the sign-on is made again from the registry's list; so is every code no remembered token
   * accepts, which may be for a token paired elsewhere since.
   */
  private async acceptFromMemory(
    user: string,
    remembered: readonly TokenRecord[],
    passcode: string,
    context: Pick<VerifyContext, 'source'>,
  ): Promise<UserVerification | undefined> {
    const targets = candidatesFor(remembered, parsePasscode(passcode));
    const token = await recognise(
      this.store,
      targets,
      passcode,
      this.clock.now(),
      this.engine,
      true,
    );
    if (!token) return undefined;
    const outcome = await this.verify(token.serial, passcode, { ...context, user });
    const answer = await answerOf(outcome, token, this.store, this.policy);
    // Nothing was counted for these: the registry's list decides, as if memory had not been asked.
    if (answer.kind === 'gone' || answer.kind === 'locked') return undefined;
    return {
      outcome: combine([answer], this.clock.now()),
      tokens: remembered.length,
      tried: 1,
      lockouts: justLocked(outcome) ? 1 : 0,
    };
  }

  /**
   * One try despite the lock, for a user whose every token the passcode could be for is locked
   * (the flows allow it to a fresh connection, rationed: flows/guess-budget.ts). The code is
   * checked in memory against the locked tokens; when one holds it exactly, that token is
   * unlocked (audited) and the code verified as any other, so it is accepted at most once. When
   * none does, the try is audited as a failure that counts towards nothing: the lock stands as
   * it was, and the answer is the one a locked user gets.
   */
  async verifyLockedForUser(
    user: string,
    otp: string,
    context: Pick<VerifyContext, 'source'>,
  ): Promise<UserVerification> {
    const passcode = verifiedPart(clip(otp));
    const tokens = await this.store.tokensOf(user);
    const now = this.clock.now();
    const locked = candidatesFor(tokens, parsePasscode(passcode)).filter(
      (t) => t.lockedUntil !== null && t.lockedUntil > now,
    );
    // The lock ran out meanwhile: an ordinary verification.
    if (locked.length === 0) return this.verifyForUser(user, otp, context);
    const match = await exactMatch(this.store, locked, passcode, now, this.engine);
    if (match) {
      await this.store.unlock(match.serial, { source: context.source, user });
      return this.verifyForUser(user, otp, context);
    }
    await this.store.appendAudit({
      event: 'failed',
      serial: null,
      user,
      source: context.source,
      detail: { reason: 'locked', otp: redactOtp(passcode), counted: false },
    });
    const until = Math.min(...locked.map((t) => t.lockedUntil!));
    return {
      outcome: { status: 'locked', retryAfterMs: until - now },
      tokens: tokens.length,
      tried: 0,
      lockouts: 0,
    };
  }

  /** Resync with two consecutive passcodes (HOTP, TOTP). */
  async resync(
    serial: string,
    otp1: string,
    otp2: string,
    context: VerifyContext,
  ): Promise<TokenOutcome> {
    const [p1, p2] = [clip(otp1), clip(otp2)];
    const outcome = await this.attempt(
      serial,
      context,
      (token, now): Decision => {
        const result = runResync(token.record, token.secret, p1, p2, now, this.engine);
        if (result.ok) return { kind: 'advance', event: 'resynced', ...result };
        return { kind: 'fail', reason: result.reason };
      },
      p2,
    );
    this.logger.info({ serial, outcome: outcome.status }, 'resync');
    return outcome;
  }

  /**
   * Load, decide, write. A token served from the store's memory may be stale: an advance decided on
   * it is safe (its compare-and-set names the revision it was read at, and loses if the row moved),
   * but any other answer (not this user's, locked, wrong, needs the next code) is decided again on
   * a fresh load before it is given or counted. A lost compare-and-set reloads fresh too.
   */
  private async attempt(
    serial: string,
    context: VerifyContext,
    check: (token: LoadedToken, now: number) => Decision,
    otp: string,
  ): Promise<TokenOutcome> {
    let fresh = false;
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const now = this.clock.now();
      const token = await this.store.load(serial, { fresh });
      if (!token) return { status: 'not-found' };
      let decision: Decision | TokenOutcome;
      try {
        decision = this.decide(token, now, context, check);
      } finally {
        wipeSecret(token.secret);
      }
      if (!('kind' in decision) || decision.kind !== 'advance') {
        if (token.fromCache) {
          fresh = true;
          continue;
        }
        if (!('kind' in decision)) return decision;
        if (decision.kind === 'needs-next') return { status: 'needs-next-passcode', serial };
        return this.fail(token.record, decision.reason, now, context, otp);
      }
      const { record } = token;
      const won = await this.store.advance({
        serial,
        expected: stateOf(record),
        next: decision.next,
        at: now,
        ...(token.revision !== undefined ? { revision: token.revision } : {}),
        audit: {
          event: decision.event,
          serial,
          user: record.user,
          source: context.source,
          detail: { kind: record.kind, matched: decision.matched, drift: decision.drift },
        },
      });
      if (won)
        return { status: 'accepted', serial, matched: decision.matched, drift: decision.drift };
      // Another verifier changed the token between our load and our write: check again.
      fresh = true;
    }
    throw new StoreError(
      ErrorCode.STORE_IO,
      `token ${serial}: its state changed under ${MAX_CAS_ROUNDS} verifications in a row`,
    );
  }

  /** The engine's decision, or the outcome that stops before it (not this user's, locked). */
  private decide(
    token: LoadedToken,
    now: number,
    context: VerifyContext,
    check: (token: LoadedToken, now: number) => Decision,
  ): Decision | TokenOutcome {
    if (context.user !== undefined && token.record.user !== context.user) {
      return { status: 'not-found' };
    }
    return lockedAt(token.record, now) ?? check(token, now);
  }

  private async fail(
    record: TokenRecord,
    reason: ResyncRejectReason,
    now: number,
    context: VerifyContext,
    otp: string,
  ): Promise<TokenOutcome> {
    // Not a passcode of this token at all (letters, the wrong length, another key's public id): it
    // can never match, so it is no guess and uses up no attempt.
    if (reason === 'malformed' && !fitsToken(record, parsePasscode(verifiedPart(otp))))
      return {
        status: 'rejected',
        serial: record.serial,
        reason,
        attemptsLeft: Math.max(0, this.policy.maxFailures - record.failCount),
        lockedUntil: null,
      };
    const step = await this.store.recordFailure({
      serial: record.serial,
      at: now,
      policy: this.policy,
      audit: {
        event: 'failed',
        serial: record.serial,
        user: record.user,
        source: context.source,
        detail: { reason, otp: redactOtp(otp) },
      },
    });
    if (!step) return { status: 'not-found' };
    const locked = step.lockedUntil !== null && step.lockedUntil > now;
    return {
      status: 'rejected',
      serial: record.serial,
      reason,
      attemptsLeft: locked ? 0 : Math.max(0, this.policy.maxFailures - step.failCount),
      lockedUntil: locked ? step.lockedUntil : null,
    };
  }
}

type Decision =
  | {
      kind: 'advance';
      event: 'verified' | 'resynced';
      matched: number;
      drift: number;
      next: TokenState;
    }
  | { kind: 'needs-next' }
  | { kind: 'fail'; reason: ResyncRejectReason };

function lockedAt(record: TokenRecord, now: number): TokenOutcome | null {
  if (record.lockedUntil === null || record.lockedUntil <= now) return null;
  return {
    status: 'locked',
    serial: record.serial,
    until: record.lockedUntil,
    retryAfterMs: record.lockedUntil - now,
  };
}

/** Anything longer than any passcode becomes '' (malformed), never a cut that could match. */
function clip(otp: unknown): string {
  return typeof otp === 'string' && otp.length <= PASSCODE_MAX_CHARS ? otp : '';
}
