/**
 * One error base class with stable, machine-readable codes. The WebSocket layer sends `{code, message}`
 * of the refusals the API documents (src/server/error-reply.ts) and INTERNAL for the rest; the CLI
 * prints the message on one line. Expected outcomes (a wrong passcode, a token
 * without a visible serial) are values, never errors.
 */
export const ErrorCode = {
  // usage and validation at the edges
  USAGE: 'USAGE',
  INVALID_INPUT: 'INVALID_INPUT',
  CONFIG_INVALID: 'CONFIG_INVALID',
  // drivers and devices
  DRIVER_UNAVAILABLE: 'DRIVER_UNAVAILABLE',
  DEVICE_NOT_FOUND: 'DEVICE_NOT_FOUND',
  DEVICE_GONE: 'DEVICE_GONE',
  DEVICE_IO: 'DEVICE_IO',
  DEVICE_CLOSED: 'DEVICE_CLOSED',
  DEVICE_BUSY: 'DEVICE_BUSY',
  // the OTP-application HID protocol
  PROTOCOL_TIMEOUT: 'PROTOCOL_TIMEOUT',
  PROTOCOL_CRC: 'PROTOCOL_CRC',
  PROTOCOL_SEQUENCE: 'PROTOCOL_SEQUENCE',
  PROTOCOL_BAD_REPORT: 'PROTOCOL_BAD_REPORT',
  COMMAND_REJECTED: 'COMMAND_REJECTED',
  ABORTED: 'ABORTED', // the caller cancelled an exchange (AbortSignal)
  // tokens, registry, import
  TOKEN_NOT_FOUND: 'TOKEN_NOT_FOUND',
  TOKEN_EXISTS: 'TOKEN_EXISTS',
  TOKEN_PAIRED: 'TOKEN_PAIRED',
  USER_TOKEN_LIMIT: 'USER_TOKEN_LIMIT',
  STORE_IO: 'STORE_IO',
  STORE_CORRUPT: 'STORE_CORRUPT',
  /** The registry's server cannot be reached (or a statement timed out): try again. */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** The registry's schema is newer than this tokenbridge, or is not a tokenbridge schema. */
  STORE_SCHEMA: 'STORE_SCHEMA',
  KEY_FILE: 'KEY_FILE',
  IMPORT_INVALID: 'IMPORT_INVALID',
  CRYPTO: 'CRYPTO',
  // pairing and sign-on flows
  PAIRING_DISABLED: 'PAIRING_DISABLED',
  PAIRING_NOT_FOUND: 'PAIRING_NOT_FOUND',
  PAIRING_WRONG_STEP: 'PAIRING_WRONG_STEP',
  TOO_MANY_ATTEMPTS: 'TOO_MANY_ATTEMPTS', // a guess or lookup ration is spent
  // who may connect: the peer-user gate or the install capability cannot be set up
  PEER_CHECK: 'PEER_CHECK',
  // programming a key's slots (enrollment)
  SLOT_CONFIGURED: 'SLOT_CONFIGURED', // the slot holds a configuration and --force was not given
  ENROLL_FAILED: 'ENROLL_FAILED', // a step of setting up a key failed; the message says the state
  DAEMON_RUNNING: 'DAEMON_RUNNING', // a running daemon holds the keys
  // virtual devices and the emulator bus
  EMULATOR_BUS: 'EMULATOR_BUS',
  // the daemon's local control socket (docs/control.md)
  CONTROL_CHANNEL: 'CONTROL_CHANNEL',
  // anything unexpected (asTokenBridgeError); the API answers it without details
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class TokenBridgeError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** `{code, message}` for the wire: never a stack, never a cause's internals. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Bad flags, bad arguments, bad specs: the CLI exits 2 with the message. */
export class UsageError extends TokenBridgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.USAGE, message, options);
  }
}

/** Input from outside (a file, a message, a report) that does not validate. */
export class ValidationError extends TokenBridgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.INVALID_INPUT, message, options);
  }
}

export class DeviceError extends TokenBridgeError {}
export class ProtocolError extends TokenBridgeError {}
export class StoreError extends TokenBridgeError {}

/** A driver that cannot run here (no USB bus, native module missing); carries the fix. */
export class DriverUnavailableError extends TokenBridgeError {
  readonly fix: string | undefined;
  constructor(message: string, fix?: string, options?: { cause?: unknown }) {
    super(ErrorCode.DRIVER_UNAVAILABLE, message, options);
    this.fix = fix;
  }
}

/** Wraps anything thrown into a TokenBridgeError, keeping known ones as they are. */
export function asTokenBridgeError(
  err: unknown,
  code: ErrorCode = ErrorCode.INTERNAL,
): TokenBridgeError {
  if (err instanceof TokenBridgeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TokenBridgeError(code, message, { cause: err });
}
