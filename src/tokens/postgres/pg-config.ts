import { readFileSync } from 'node:fs';
import { TypeOverrides, type PoolConfig } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { checkServerIdentity } from 'node:tls';
import { ErrorCode, StoreError, type PgConnectionTarget, type SslMode } from '../../core';

/** PostgreSQL's OID for int8 (BIGINT): times and counters, parsed as numbers. */
const INT8_OID = 20;
/** The client's own deadline is a little longer than the server's, so the server's fires first. */
const CLIENT_TIMEOUT_MARGIN_MS = 1000;

export interface PgSettings {
  readonly target: PgConnectionTarget;
  /** Read from store.passwordFile (or the systemd credential); never logged. */
  readonly password: string | undefined;
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly applicationName: string;
}

/** What TLS a pool uses for an sslmode: off, on without checks, or on with the checks libpq makes. */
export type TlsChoice = false | ConnectionOptions;

/**
 * libpq's sslmode meanings: `disable` and `allow` connect without TLS (allow never upgrades here);
 * `prefer` tries TLS first and, when the server offers none, connects without (see
 * pg-connection.ts); `require` uses TLS without checking the certificate, unless `sslrootcert` is
 * given (then as verify-ca); `verify-ca` checks the chain; `verify-full` the chain and the host
 * name. A Unix socket never uses TLS, as with libpq.
 */
export function tlsFor(target: PgConnectionTarget): TlsChoice {
  if (target.host?.startsWith('/')) return false;
  const mode: SslMode = target.sslmode;
  if (mode === 'disable' || mode === 'allow') return false;
  const files: ConnectionOptions = {
    ...(target.sslrootcert ? { ca: readPem(target.sslrootcert, 'sslrootcert') } : {}),
    ...(target.sslcert ? { cert: readPem(target.sslcert, 'sslcert') } : {}),
    ...(target.sslkey ? { key: readPem(target.sslkey, 'sslkey') } : {}),
  };
  if (mode === 'prefer' || (mode === 'require' && !target.sslrootcert)) {
    return { ...files, rejectUnauthorized: false };
  }
  if (mode === 'require' || mode === 'verify-ca') {
    if (!target.sslrootcert) {
      throw new StoreError(
        ErrorCode.CONFIG_INVALID,
        'store.url: sslmode=verify-ca needs sslrootcert=FILE (the CA that signed the server certificate)',
      );
    }
    return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  }
  return { ...files, rejectUnauthorized: true, checkServerIdentity };
}

export function poolConfig(settings: PgSettings, tls: TlsChoice): PoolConfig {
  const { target } = settings;
  return {
    ...(target.host !== undefined ? { host: target.host } : {}),
    ...(target.port !== undefined ? { port: target.port } : {}),
    ...(target.database !== undefined ? { database: target.database } : {}),
    ...(target.user !== undefined ? { user: target.user } : {}),
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    ssl: tls,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    query_timeout: settings.statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    // A session left idle inside a transaction (a node that froze) must not hold row locks.
    idle_in_transaction_session_timeout: settings.statementTimeoutMs * 2,
    lock_timeout: settings.statementTimeoutMs,
    application_name: target.applicationName ?? settings.applicationName,
    keepAlive: true,
    types: TYPES,
  };
}

/** Node-postgres' own parsers, but int8 (times, counters) as numbers; built once, for this pool. */
const TYPES = (() => {
  const overrides = new TypeOverrides();
  overrides.setTypeParser(INT8_OID, 'text', Number);
  return overrides;
})();

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new StoreError(
      ErrorCode.CONFIG_INVALID,
      `store.url: ${what}=${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      { cause: err },
    );
  }
}
