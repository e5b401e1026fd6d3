import { ApiErrorCode } from '../api';
import { TokenBridgeError } from '../core/errors';
import type { Logger } from '../core/logger';
import { RequestRefused } from './dispatch';

/** An error reply's `{code, message}`: only ever a code the API documents (docs/api.md). */
export interface WireError {
  readonly code: ApiErrorCode;
  readonly message: string;
}

/**
 * The daemon's refusals that reach the page with their own code and message: the page acts on
 * them (PAIRING_* for the pairing, TOKEN_* and USER_TOKEN_LIMIT for the token, INVALID_INPUT for a
 * value the daemon refused). Their messages name what the page sent, never a file or a database.
 */
export const PASSED_THROUGH: ReadonlySet<ApiErrorCode> = new Set([
  ApiErrorCode.PAIRING_DISABLED,
  ApiErrorCode.PAIRING_NOT_FOUND,
  ApiErrorCode.PAIRING_WRONG_STEP,
  ApiErrorCode.TOKEN_NOT_FOUND,
  ApiErrorCode.TOKEN_PAIRED,
  ApiErrorCode.USER_TOKEN_LIMIT,
  ApiErrorCode.SLOT_CONFIGURED,
  ApiErrorCode.ENROLL_FAILED,
  ApiErrorCode.INVALID_INPUT,
]);

const INTERNAL: WireError = { code: ApiErrorCode.INTERNAL, message: 'internal error' };

/**
 * The `{code, message}` for a failed request. The server's own refusals and the documented
 * refusals above keep their code and message; anything else (a damaged store, a key file, a
 * device, a bug) is logged here and reaches the page only as INTERNAL: its message may carry a
 * path or SQLite's words, which are the operator's to read, not the page's. Nothing logged here
 * carries a secret: errors name tokens by serial, and a cause's internals are never logged.
 */
export function toApiError(err: unknown, logger: Logger, type: string): WireError {
  if (err instanceof RequestRefused) return { code: err.code, message: err.message };
  if (err instanceof TokenBridgeError && isPassedThrough(err.code))
    return { code: err.code, message: err.message };
  logger.error(
    err instanceof TokenBridgeError
      ? { type, code: err.code, error: err.message }
      : { type, error: err instanceof Error ? `${err.name}: ${err.message}` : typeof err },
    'request failed inside the daemon',
  );
  return INTERNAL;
}

function isPassedThrough(code: string): code is ApiErrorCode {
  return PASSED_THROUGH.has(code as ApiErrorCode);
}
