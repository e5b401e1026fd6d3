import { ErrorCode, TokenBridgeError } from '../../core';

/**
 * A seed file that does not validate. The message always starts with where the problem is ('line
 * 12', 'KeyPackage #3 (SerialNo 123)/Key/Data/Secret') and never contains a seed, key or password.
 */
export class ImportError extends TokenBridgeError {
  readonly location: string;

  constructor(location: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.IMPORT_INVALID, `${location}: ${message}`, options);
    this.location = location;
  }
}
