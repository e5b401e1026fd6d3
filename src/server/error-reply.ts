import { ApiErrorCode, type ApiError } from '../api';
import { TokenBridgeError } from '../core/errors';
import type { Logger } from '../core/logger';
import { RequestRefused } from './dispatch';

/**
 * The `{code, message}` for a failed request. Known errors keep their stable code and message;
 * anything else is logged here and reaches the page only as INTERNAL, without internals.
 */
export function toApiError(err: unknown, logger: Logger, type: string): ApiError {
  if (err instanceof TokenBridgeError || err instanceof RequestRefused)
    return { code: err.code, message: err.message };
  logger.error(
    { type, error: err instanceof Error ? `${err.name}: ${err.message}` : typeof err },
    'request handler failed',
  );
  return { code: ApiErrorCode.INTERNAL, message: 'internal error' };
}
