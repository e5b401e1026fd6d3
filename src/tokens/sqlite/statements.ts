import type Database from 'better-sqlite3';
import { SERIAL_ORDER_SQL, serialsAfterSql } from '../serial-order';
import { RECORD_COLUMNS, type SealedRow, type TokenRow } from './rows';

type Params = Record<string, unknown>;

export interface Statements {
  readonly get: Database.Statement<[string], TokenRow>;
  readonly sealed: Database.Statement<[string], SealedRow>;
  readonly byPublicId: Database.Statement<[string], TokenRow>;
  readonly list: Database.Statement<[{ after: string; limit: number }], TokenRow>;
  readonly count: Database.Statement<[], number>;
  readonly ofUser: Database.Statement<[string], TokenRow>;
  readonly countOfUser: Database.Statement<[string], number>;
  readonly advance: Database.Statement<[Params]>;
  readonly failState: Database.Statement<
    [string],
    { fail_count: number; lock_count: number; locked_until: number | null }
  >;
  readonly setFailState: Database.Statement<[Params]>;
  readonly unlock: Database.Statement<[string]>;
  readonly pair: Database.Statement<[Params]>;
  readonly unpair: Database.Statement<[string]>;
  readonly delete: Database.Statement<[string]>;
  readonly audit: Database.Statement<[Params]>;
  readonly exists: Database.Statement<[string], number>;
  readonly ownerOfPublicId: Database.Statement<[string], string>;
}

export function prepareStatements(db: Database.Database): Statements {
  return {
    get: db.prepare(`SELECT ${RECORD_COLUMNS} FROM tokens WHERE serial = ?`),
    sealed: db.prepare(
      `SELECT ${RECORD_COLUMNS}, seed_nonce, seed_ct FROM tokens WHERE serial = ?`,
    ),
    byPublicId: db.prepare(`SELECT ${RECORD_COLUMNS} FROM tokens WHERE public_id = ?`),
    list: db.prepare(
      `SELECT ${RECORD_COLUMNS} FROM tokens WHERE ${serialsAfterSql('@after')}
       ORDER BY ${SERIAL_ORDER_SQL} LIMIT @limit`,
    ),
    count: db.prepare<[], number>('SELECT count(*) FROM tokens').pluck(),
    ofUser: db.prepare(
      `SELECT ${RECORD_COLUMNS} FROM tokens WHERE user = ? ORDER BY ${SERIAL_ORDER_SQL}`,
    ),
    countOfUser: db.prepare<[string], number>('SELECT count(*) FROM tokens WHERE user = ?').pluck(),
    // Compare-and-set: every state column must still hold what the engine verified against, and
    // the token must not have been locked meanwhile. `IS` compares NULLs as equal.
    advance: db.prepare(
      `UPDATE tokens SET counter = @nCounter, last_step = @nLastStep, drift = @nDrift,
         yubico_usage = @nUsage, yubico_session = @nSession,
         fail_count = 0, lock_count = 0, locked_until = NULL, last_used_at = @at
       WHERE serial = @serial AND counter = @counter AND last_step IS @lastStep AND drift = @drift
         AND yubico_usage IS @usage AND yubico_session IS @session
         AND (locked_until IS NULL OR locked_until <= @at)`,
    ),
    failState: db.prepare(
      'SELECT fail_count, lock_count, locked_until FROM tokens WHERE serial = ?',
    ),
    setFailState: db.prepare(
      `UPDATE tokens SET fail_count = @failCount, lock_count = @lockCount,
         locked_until = @lockedUntil
       WHERE serial = @serial`,
    ),
    unlock: db.prepare(
      'UPDATE tokens SET fail_count = 0, lock_count = 0, locked_until = NULL WHERE serial = ?',
    ),
    pair: db.prepare('UPDATE tokens SET user = @user, paired_at = @at WHERE serial = @serial'),
    unpair: db.prepare('UPDATE tokens SET user = NULL, paired_at = NULL WHERE serial = ?'),
    delete: db.prepare('DELETE FROM tokens WHERE serial = ?'),
    audit: db.prepare(
      `INSERT INTO audit (at, event, serial, user, source, detail, node)
       VALUES (@at, @event, @serial, @user, @source, @detail, @node)`,
    ),
    exists: db.prepare<[string], number>('SELECT 1 FROM tokens WHERE serial = ?').pluck(),
    ownerOfPublicId: db
      .prepare<[string], string>('SELECT serial FROM tokens WHERE public_id = ?')
      .pluck(),
  };
}
