import type { RefusalReason, VerifyOutcome } from '../tokens';

/** Why a passcode was refused, as the page words it. */
export type RejectedReason = 'wrong-passcode' | 'replayed' | 'out-of-window';

/**
 * What a pairing verification or a sign-on ends as: the API's outcome (src/api VerifyOutcome), built
 * here without importing the API layer. `accepted` carries the serial for the caller; the backend
 * sends only the session token.
 */
export type FlowOutcome =
  | { readonly result: 'accepted'; readonly serial: string; readonly sessionToken: string }
  | { readonly result: 'needs-next-passcode' }
  | { readonly result: 'rejected'; readonly reason: RejectedReason; readonly attemptsLeft: number }
  | { readonly result: 'locked'; readonly retryAfterMs: number };

export function rejectedReason(reason: RefusalReason): RejectedReason {
  switch (reason) {
    case 'replayed':
      return 'replayed';
    case 'outside-window':
      return 'out-of-window';
    default:
      // wrong, malformed, not-consecutive, locked: to the user they are all a code that did not work.
      return 'wrong-passcode';
  }
}

/**
 * A refusal from the verifier as the page sees it. The failure that locks the token reports
 * `locked` at once, so the page can show how long to wait instead of "0 attempts left".
 */
export function refusalOf(
  outcome: Extract<VerifyOutcome, { status: 'rejected' | 'locked' }>,
  now: number,
): FlowOutcome {
  if (outcome.status === 'locked') return { result: 'locked', retryAfterMs: outcome.retryAfterMs };
  if (outcome.lockedUntil !== null)
    return { result: 'locked', retryAfterMs: Math.max(0, outcome.lockedUntil - now) };
  return {
    result: 'rejected',
    reason: rejectedReason(outcome.reason),
    attemptsLeft: outcome.attemptsLeft,
  };
}

/** True when this verifier outcome is the failure that just locked its token. */
export function justLocked(outcome: VerifyOutcome): boolean {
  return outcome.status === 'rejected' && outcome.lockedUntil !== null;
}
