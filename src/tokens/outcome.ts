import type { ResyncRejectReason } from '../otp';

/**
 * The words a verification ends in, from the registry up to the page: the flows and the API use
 * the same four (the API spells them in its schema, which the daemon's backend is checked against).
 */
export type VerifyStatus = 'accepted' | 'needs-next-passcode' | 'rejected' | 'locked';

/**
 * Why a passcode was refused: the engine's reasons (a resync's included), and `out-of-window` for a
 * code that matched only ahead of the window where no resync is offered (a sign-on, a pairing's
 * Sync or tap). Locked tokens are a status of their own, never a reason.
 */
export type RefusalReason = ResyncRejectReason | 'out-of-window';

/** What verify and resync answer for one token. Expected outcomes are values; only faults throw. */
export type TokenOutcome =
  | {
      readonly status: 'accepted';
      readonly serial: string;
      /** The HOTP counter, TOTP step or Yubico usage counter that matched. */
      readonly matched: number;
      readonly drift: number;
    }
  | {
      /** Matched only far ahead: ask for the next passcode and resync with both. */
      readonly status: 'needs-next-passcode';
      readonly serial: string;
    }
  | {
      readonly status: 'rejected';
      readonly serial: string;
      readonly reason: ResyncRejectReason;
      /** Failures left before the token locks (0 when this failure locked it). */
      readonly attemptsLeft: number;
      /** Set when this failure locked the token. */
      readonly lockedUntil: number | null;
    }
  | {
      readonly status: 'locked';
      readonly serial: string;
      readonly until: number;
      readonly retryAfterMs: number;
    }
  | { readonly status: 'not-found' };

/** A refusal as the person who typed the code is told it: why, or how long to wait. */
export type Refusal =
  | { readonly status: 'rejected'; readonly reason: RefusalReason; readonly attemptsLeft: number }
  | { readonly status: 'locked'; readonly retryAfterMs: number };

/** What a passcode for a user ends as, tried on whichever of the user's tokens it is for. */
export type UserOutcome =
  | {
      readonly status: 'accepted';
      readonly serial: string;
      readonly matched: number;
      readonly drift: number;
    }
  | Refusal
  /** The user has no token the passcode could be tried on (none paired, or gone meanwhile). */
  | { readonly status: 'not-found' };

/** A user's verification: its outcome, and what it did to the user's tokens (for logs, metrics). */
export interface UserVerification {
  readonly outcome: UserOutcome;
  /** How many tokens the user has. */
  readonly tokens: number;
  /** How many of them the passcode was verified against (each counts at most one failure). */
  readonly tried: number;
  /** How many of them this attempt locked. */
  readonly lockouts: number;
}

/**
 * One token's refusal as the person is told it. The failure that locks the token reports `locked`
 * at once, so the page can show how long to wait instead of "0 attempts left".
 */
export function refusalOf(
  outcome: Extract<TokenOutcome, { status: 'rejected' | 'locked' }>,
  now: number,
): Refusal {
  if (outcome.status === 'locked') return { status: 'locked', retryAfterMs: outcome.retryAfterMs };
  if (outcome.lockedUntil !== null)
    return { status: 'locked', retryAfterMs: Math.max(0, outcome.lockedUntil - now) };
  return { status: 'rejected', reason: outcome.reason, attemptsLeft: outcome.attemptsLeft };
}

/** True when this outcome is the failure that just locked its token. */
export function justLocked(outcome: TokenOutcome): boolean {
  return outcome.status === 'rejected' && outcome.lockedUntil !== null;
}
