import { ApiErrorCode } from '../../../src/api';
import { ErrorCode, TokenBridgeError } from '../../../src/core';
import { RequestRefused } from '../../../src/server/dispatch';
import { toApiError } from '../../../src/server/error-reply';
import { recordingLogger } from '../devices/manager-rig';

/**
 * What every TokenBridgeError code becomes on the wire. A new ErrorCode does not compile until it
 * is given a row here: a refusal the page acts on keeps its code (and must then be in ApiErrorCode
 * and docs/api.md), everything else is INTERNAL.
 */
const ON_THE_WIRE: Record<ErrorCode, ApiErrorCode> = {
  USAGE: 'INTERNAL',
  INVALID_INPUT: 'INVALID_INPUT',
  CONFIG_INVALID: 'INTERNAL',
  DRIVER_UNAVAILABLE: 'INTERNAL',
  DEVICE_NOT_FOUND: 'INTERNAL',
  DEVICE_GONE: 'INTERNAL',
  DEVICE_IO: 'INTERNAL',
  DEVICE_CLOSED: 'INTERNAL',
  DEVICE_BUSY: 'INTERNAL',
  PROTOCOL_TIMEOUT: 'INTERNAL',
  PROTOCOL_CRC: 'INTERNAL',
  PROTOCOL_SEQUENCE: 'INTERNAL',
  PROTOCOL_BAD_REPORT: 'INTERNAL',
  COMMAND_REJECTED: 'INTERNAL',
  ABORTED: 'INTERNAL',
  TOKEN_NOT_FOUND: 'TOKEN_NOT_FOUND',
  TOKEN_EXISTS: 'INTERNAL',
  TOKEN_PAIRED: 'TOKEN_PAIRED',
  USER_TOKEN_LIMIT: 'USER_TOKEN_LIMIT',
  STORE_IO: 'INTERNAL',
  STORE_CORRUPT: 'INTERNAL',
  STORE_UNAVAILABLE: 'UNAVAILABLE',
  STORE_SCHEMA: 'INTERNAL',
  KEY_FILE: 'INTERNAL',
  IMPORT_INVALID: 'INTERNAL',
  CRYPTO: 'INTERNAL',
  PAIRING_DISABLED: 'PAIRING_DISABLED',
  PAIRING_NOT_FOUND: 'PAIRING_NOT_FOUND',
  PAIRING_WRONG_STEP: 'PAIRING_WRONG_STEP',
  PEER_CHECK: 'INTERNAL',
  TOO_MANY_ATTEMPTS: 'TOO_MANY_ATTEMPTS',
  SLOT_CONFIGURED: 'SLOT_CONFIGURED',
  ENROLL_FAILED: 'ENROLL_FAILED',
  DAEMON_RUNNING: 'INTERNAL',
  EMULATOR_BUS: 'INTERNAL',
  CONTROL_CHANNEL: 'INTERNAL',
  INTERNAL: 'INTERNAL',
};

const DETAIL = 'store /var/lib/tokenbridge/tokens.sqlite failed: SQLITE_IOERR disk I/O error';

describe('what reaches the wire for each error code', () => {
  test.each(Object.entries(ON_THE_WIRE))('%s -> %s', (code, wire) => {
    const { logger, entries } = recordingLogger();
    const error = new TokenBridgeError(code as ErrorCode, `${code}: ${DETAIL}`);
    const reply = toApiError(error, logger, 'signon.verify');
    expect(reply.code).toBe(wire);
    expect(Object.values(ApiErrorCode)).toContain(reply.code);
    if (wire === 'INTERNAL') {
      // The page gets nothing of it; the operator's log gets the code and the details.
      expect(reply).toEqual({ code: 'INTERNAL', message: 'internal error' });
      expect(entries).toEqual([
        {
          level: 'error',
          obj: { type: 'signon.verify', code, error: `${code}: ${DETAIL}` },
          msg: 'request failed inside the daemon',
        },
      ]);
    } else if (wire === 'UNAVAILABLE') {
      // A fixed message: the store's names the server; the log gets it, as a warning.
      expect(reply).toEqual({
        code: 'UNAVAILABLE',
        message: 'the token registry cannot be reached right now: try again in a moment',
      });
      expect(entries).toEqual([
        {
          level: 'warn',
          obj: { type: 'signon.verify', code, error: `${code}: ${DETAIL}` },
          msg: 'request refused: registry unreachable',
        },
      ]);
    } else {
      expect(reply).toEqual({ code, message: error.message });
      expect(entries).toEqual([]);
    }
  });

  test('every code ErrorCode has is in the table', () => {
    expect(Object.keys(ON_THE_WIRE).sort()).toEqual(Object.values(ErrorCode).sort());
  });

  test("the server's own refusals keep their code and message", () => {
    const { logger, entries } = recordingLogger();
    const refused = new RequestRefused(ApiErrorCode.NOT_SIGNED_ON, 'sign on first');
    expect(toApiError(refused, logger, 'token.unpair')).toEqual({
      code: 'NOT_SIGNED_ON',
      message: 'sign on first',
    });
    expect(entries).toEqual([]);
  });

  test('anything else thrown is INTERNAL, logged by name and message', () => {
    const { logger, entries } = recordingLogger();
    const reply = toApiError(new TypeError(`cannot read ${DETAIL}`), logger, 'pairing.verify');
    expect(reply).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expect(entries[0]?.obj).toEqual({
      type: 'pairing.verify',
      error: `TypeError: cannot read ${DETAIL}`,
    });
  });
});
