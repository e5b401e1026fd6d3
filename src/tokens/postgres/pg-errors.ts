import { ErrorCode, StoreError, TokenBridgeError } from '../../core';

/** SQLSTATE classes and codes that mean "the server is out of reach now", not "the request is bad". */
const CONNECTION_CLASS = '08'; // connection_exception
const UNAVAILABLE_STATES: ReadonlySet<string> = new Set([
  '57P01', // admin_shutdown: the server is stopping, or pg_terminate_backend
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
  '57014', // query_canceled: statement_timeout
  '55P03', // lock_not_available: lock_timeout
  '25P03', // idle_in_transaction_session_timeout
]);
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOENT', // a Unix socket that is not there (the server is down)
]);
/** Messages node-postgres gives its own connection failures (they carry no code). */
const NETWORK_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection terminated due to connection timeout|server closed the connection/i;

export const SSL_REFUSED_MESSAGE = 'The server does not support SSL connections';

/**
 * node-postgres failures as StoreErrors with stable codes: the server out of reach, a timeout, a
 * dropped connection are STORE_UNAVAILABLE ("try again"; a write whose reply was lost may or may
 * not have committed, so the caller reports it as not done and a repeat finds out); a schema
 * mismatch STORE_SCHEMA; the rest STORE_IO. The message names the server, never the password.
 */
export function asPgStoreError(err: unknown, location: string): TokenBridgeError {
  if (err instanceof TokenBridgeError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (isUnavailable(err)) {
    const why =
      code === '57014'
        ? 'a statement timed out (store.statementTimeoutMs)'
        : typeof code === 'string'
          ? `${code} ${message}`
          : message;
    return new StoreError(
      ErrorCode.STORE_UNAVAILABLE,
      `the token registry (${location}) cannot be reached: ${why}; try again`,
      { cause: err },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new StoreError(
      ErrorCode.STORE_UNAVAILABLE,
      `the token registry (${location}) refused the login: ${message} (check store.passwordFile and pg_hba.conf)`,
      { cause: err },
    );
  }
  if (code === '3D000') {
    return new StoreError(
      ErrorCode.STORE_UNAVAILABLE,
      `the token registry (${location}): ${message} (create it: see docs/fleet.md)`,
      { cause: err },
    );
  }
  return new StoreError(
    ErrorCode.STORE_IO,
    `the token registry (${location}) failed: ${typeof code === 'string' ? `${code} ` : ''}${message}`,
    { cause: err },
  );
}

export function isUnavailable(err: unknown): boolean {
  if (err instanceof TokenBridgeError) return err.code === ErrorCode.STORE_UNAVAILABLE;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code.startsWith(CONNECTION_CLASS) && code.length === 5) return true;
    if (UNAVAILABLE_STATES.has(code) || NETWORK_CODES.has(code)) return true;
  }
  const message = err instanceof Error ? err.message : '';
  return NETWORK_MESSAGES.test(message) || message === SSL_REFUSED_MESSAGE;
}
