import type { Refusal, RefusalReason } from '../tokens';

/**
 * Why a passcode did not work, as the page words it: the registry's reasons, with every code that
 * simply did not work (wrong, malformed, not the next one) shown as `wrong-passcode`.
 */
export type PageReason = 'wrong-passcode' | 'replayed' | 'out-of-window';

/**
 * What a pairing verification or a sign-on ends as, in the words and shape of the API's outcome
 * (src/api VerifyOutcome), built here without importing the API layer. `accepted` also carries the
 * serial for the caller; the daemon's backend drops it on the way to the wire. `result` is one of
 * the registry's VerifyStatus words (the observer, which takes a VerifyStatus, checks it).
 */
export type FlowOutcome =
  | { readonly result: 'accepted'; readonly serial: string; readonly sessionToken: string }
  | { readonly result: 'needs-next-passcode' }
  | { readonly result: 'rejected'; readonly reason: PageReason; readonly attemptsLeft: number }
  | { readonly result: 'locked'; readonly retryAfterMs: number };

/** The one place a refusal in the registry's words becomes the page's. */
export function refusalOutcome(refusal: Refusal): FlowOutcome {
  if (refusal.status === 'locked') return { result: 'locked', retryAfterMs: refusal.retryAfterMs };
  return {
    result: 'rejected',
    reason: pageReason(refusal.reason),
    attemptsLeft: refusal.attemptsLeft,
  };
}

function pageReason(reason: RefusalReason): PageReason {
  switch (reason) {
    case 'replayed':
    case 'out-of-window':
      return reason;
    case 'wrong':
    case 'malformed':
    case 'not-consecutive':
      return 'wrong-passcode';
  }
}
