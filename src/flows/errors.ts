import { counted, ErrorCode, TokenBridgeError } from '../core';

/**
 * A refusal by a pairing or sign-on flow. Its code is one the API documents (docs/api.md), so the
 * page can act on it: PAIRING_* for the pairing itself, TOKEN_* and USER_TOKEN_LIMIT for the token.
 */
export class FlowError extends TokenBridgeError {}

export function pairingDisabled(): FlowError {
  return new FlowError(ErrorCode.PAIRING_DISABLED, 'pairing is disabled on this daemon');
}

/** Unknown, expired, finished, or another connection's: the same answer, so ids cannot be probed. */
export function pairingNotFound(): FlowError {
  return new FlowError(ErrorCode.PAIRING_NOT_FOUND, 'no such pairing (unknown, expired or ended)');
}

export function wrongStep(request: string, step: string): FlowError {
  return new FlowError(
    ErrorCode.PAIRING_WRONG_STEP,
    `${request} does not fit the pairing's current step (${step})`,
  );
}

export function tokenNotFound(serial: string): FlowError {
  return new FlowError(ErrorCode.TOKEN_NOT_FOUND, `token ${serial} is not in the registry`);
}

export function tokenPaired(serial: string): FlowError {
  return new FlowError(ErrorCode.TOKEN_PAIRED, `token ${serial} is paired to another user`);
}

export function tooManyTokens(user: string, limit: number): FlowError {
  return new FlowError(
    ErrorCode.USER_TOKEN_LIMIT,
    `user ${user} already has ${counted(limit, 'token')} paired, the limit`,
  );
}

/** The page asked about too many serials that are unknown or taken (flows/lookup-budget.ts). */
export function tooManyLookups(retryAfterMs: number): FlowError {
  return new FlowError(
    ErrorCode.TOO_MANY_ATTEMPTS,
    `too many serials tried that are not in the registry or are taken; try again in ${Math.ceil(retryAfterMs / 1000)} s`,
  );
}
