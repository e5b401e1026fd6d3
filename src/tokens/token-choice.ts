// Which of a user's tokens a passcode is for, and how their answers make one answer: the parts of
// TokenVerifier.verifyForUser that need no verifier state.
import type { ParsedPasscode } from '../core';
import { runVerify, type EngineOptions } from './engine-dispatch';
import type { LockoutPolicy } from './lockout';
import type { RefusalReason, TokenOutcome, UserOutcome } from './outcome';
import { wipeSecret, type TokenStore } from './store';
import type { TokenRecord } from './types';

/** How strongly a token's window recognises a code: an exact match beats a drifted one beats a replay. */
const RANK = { valid: 3, ahead: 2, replayed: 1 } as const;

/**
 * The user's tokens this passcode could be for: the Yubico token with its public id, or the
 * HOTP/TOTP tokens with its digit count. When it fits none, every token of the user (each refuses
 * it as malformed, which counts no attempt: see TokenVerifier.fail).
 */
export function candidatesFor(
  tokens: readonly TokenRecord[],
  passcode: ParsedPasscode | undefined,
): TokenRecord[] {
  const fits = tokens.filter((t) => fitsToken(t, passcode));
  return fits.length > 0 ? fits : [...tokens];
}

/**
 * Whether a passcode has the shape of this token's codes: the Yubico token's public id, or the
 * HOTP/TOTP token's digit count. One that does not can never match, so it is no guess.
 */
export function fitsToken(token: TokenRecord, passcode: ParsedPasscode | undefined): boolean {
  return passcode?.format === 'yubico'
    ? token.kind === 'yubico' && token.publicId === passcode.publicId
    : passcode?.format === 'oath-hotp' &&
        token.kind !== 'yubico' &&
        token.digits === passcode.digits;
}

/**
 * The token whose window holds the code, checked in memory only (nothing is written, no failure is
 * counted); undefined when none does. Without `acceptedOnly`, a code ahead of a window, else a
 * replay, names its token too (the closest call); with it, only a token that would accept the code.
 * A locked token is not tried at all: whether the code fits it must not show.
 */
export async function recognise(
  store: TokenStore,
  targets: readonly TokenRecord[],
  otp: string,
  now: number,
  engine: EngineOptions,
  acceptedOnly = false,
): Promise<TokenRecord | undefined> {
  let best: { token: TokenRecord; rank: number } | undefined;
  for (const token of targets) {
    if (token.lockedUntil !== null && token.lockedUntil > now) continue;
    const loaded = await store.load(token.serial);
    if (loaded === null) continue;
    let rank = 0;
    try {
      const result = runVerify(loaded.record, loaded.secret, otp, now, engine);
      if (result.valid) rank = RANK.valid;
      else if (result.reason === 'needs-next-passcode') rank = RANK.ahead;
      else if (result.reason === 'replayed') rank = RANK.replayed;
    } finally {
      wipeSecret(loaded.secret);
    }
    if (rank > (best?.rank ?? 0)) best = { token: loaded.record, rank };
  }
  return acceptedOnly && best?.rank !== RANK.valid ? undefined : best?.token;
}

/** One token's answer inside a user's verification. */
export type TokenAnswer =
  | {
      readonly kind: 'accepted';
      readonly serial: string;
      readonly matched: number;
      readonly drift: number;
    }
  | { readonly kind: 'rejected'; readonly reason: RefusalReason; readonly attemptsLeft: number }
  | { readonly kind: 'locked'; readonly until: number }
  | { readonly kind: 'gone' };

/**
 * One token's verification as part of a user's: the failure that locks reports the lock, and a code
 * ahead of the window (no resync is offered to a user's passcode) is refused as out-of-window.
 */
export async function answerOf(
  outcome: TokenOutcome,
  token: TokenRecord,
  store: TokenStore,
  policy: LockoutPolicy,
): Promise<TokenAnswer> {
  switch (outcome.status) {
    case 'accepted':
      return {
        kind: 'accepted',
        serial: outcome.serial,
        matched: outcome.matched,
        drift: outcome.drift,
      };
    case 'not-found':
      return { kind: 'gone' };
    case 'locked':
      return { kind: 'locked', until: outcome.until };
    case 'rejected':
      if (outcome.lockedUntil !== null) return { kind: 'locked', until: outcome.lockedUntil };
      return { kind: 'rejected', reason: outcome.reason, attemptsLeft: outcome.attemptsLeft };
    case 'needs-next-passcode': {
      const fresh = (await store.get(token.serial)) ?? token;
      return {
        kind: 'rejected',
        reason: 'out-of-window',
        attemptsLeft: Math.max(0, policy.maxFailures - fresh.failCount),
      };
    }
  }
}

/** Any acceptance wins; else locked only when every token tried is locked; else the closest call. */
export function combine(answers: readonly TokenAnswer[], now: number): UserOutcome {
  for (const a of answers)
    if (a.kind === 'accepted')
      return { status: 'accepted', serial: a.serial, matched: a.matched, drift: a.drift };
  const rejected = answers.filter((a) => a.kind === 'rejected');
  if (rejected.length === 0) {
    const until = Math.min(...answers.map((a) => (a.kind === 'locked' ? a.until : now)));
    return { status: 'locked', retryAfterMs: Math.max(0, until - now) };
  }
  return {
    status: 'rejected',
    reason: rejected[0]!.reason,
    attemptsLeft: Math.min(...rejected.map((a) => a.attemptsLeft)),
  };
}

/**
 * The token, locked or not, whose window holds the code exactly (checked in memory, nothing
 * written); undefined when none does. Only for a try despite a lock (TokenVerifier
 * .verifyLockedForUser): a code ahead of the window or a replay is not enough to unlock. Read
 * fresh: a copy a store keeps in memory could hold a window another node has moved past, and a
 * code used there must not unlock here.
 */
export async function exactMatch(
  store: TokenStore,
  targets: readonly TokenRecord[],
  otp: string,
  now: number,
  engine: EngineOptions,
): Promise<TokenRecord | undefined> {
  for (const token of targets) {
    const loaded = await store.load(token.serial, { fresh: true });
    if (loaded === null) continue;
    try {
      if (runVerify(loaded.record, loaded.secret, otp, now, engine).valid) return loaded.record;
    } finally {
      wipeSecret(loaded.secret);
    }
  }
  return undefined;
}
