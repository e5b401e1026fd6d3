/**
 * Every statement the fleet registry runs, by name. Values are always bound parameters ($1...);
 * the hot ones are prepared once per connection (node-postgres prepares a query that has a name).
 */
import { SERIAL_ORDER_SQL, serialsAfterSql } from '../serial-order';

/** Every column of a token but the sealed secret. */
export const RECORD_COLUMNS =
  'serial, kind, algorithm, digits, period, counter, last_step, drift, public_id, yubico_usage, ' +
  'yubico_session, user_name, imported_at, paired_at, last_used_at, fail_count, locked_until, ' +
  'lock_count, key_id';
export const SEALED_COLUMNS = `${RECORD_COLUMNS}, seed_nonce, seed_ct`;
export const AUDIT_COLUMNS = 'at, event, serial, user_name, source, detail, node';

export const GET = {
  name: 'tb_get',
  text: `SELECT ${RECORD_COLUMNS} FROM tokens WHERE serial = $1`,
};
/** A token to verify: its sealed row and the revision its compare-and-set will name. */
export const LOAD = {
  name: 'tb_load',
  text: `SELECT ${SEALED_COLUMNS}, revision FROM tokens WHERE serial = $1`,
};
export const BY_PUBLIC_ID = {
  name: 'tb_by_public_id',
  text: `SELECT ${RECORD_COLUMNS} FROM tokens WHERE public_id = $1`,
};
/** In serial order (serial-order.ts), after $1; LIMIT NULL is no limit. */
export const LIST = `SELECT ${RECORD_COLUMNS} FROM tokens WHERE ${serialsAfterSql('$1::text')}
  ORDER BY ${SERIAL_ORDER_SQL} LIMIT $2`;
export const COUNT = 'SELECT count(*)::bigint AS n FROM tokens';
export const OF_USER = {
  name: 'tb_of_user',
  text: `SELECT ${RECORD_COLUMNS} FROM tokens WHERE user_name = $1 ORDER BY ${SERIAL_ORDER_SQL}`,
};
export const COUNT_OF_USER = 'SELECT count(*)::bigint AS n FROM tokens WHERE user_name = $1';

/**
 * Compare-and-set of a verification, and its audit row, in ONE statement (so one implicit
 * transaction): the UPDATE changes the row only while it still has the revision the engine's copy
 * was read at, and the token is not locked; the INSERT adds the audit row only when the UPDATE did.
 * A row back (the row's new revision) means this node's passcode won and both are committed.
 * The revision alone is the compare-and-set: every change of a row, by any statement, gives it a
 * fresh number from one sequence (the trigger of migration 2), so a row still at the revision read
 * holds exactly the state read.
 * $1 serial, $2 at, $3 revision read, $4..$8 next counter/last_step/drift/usage/session,
 * $9 event, $10 user, $11 source, $12 detail, $13 node.
 */
export const ADVANCE_AT_REVISION = {
  name: 'tb_advance_at_revision',
  text: `WITH moved AS (
      UPDATE tokens SET counter = $4, last_step = $5, drift = $6, yubico_usage = $7,
        yubico_session = $8, fail_count = 0, lock_count = 0, locked_until = NULL,
        last_used_at = $2
      WHERE serial = $1 AND revision = $3 AND (locked_until IS NULL OR locked_until <= $2)
      RETURNING serial, revision),
    logged AS (
      INSERT INTO audit (${AUDIT_COLUMNS})
      SELECT $2, $9, serial, $10, $11, $12, $13 FROM moved
      RETURNING id)
    SELECT moved.revision FROM moved, logged`,
};

/**
 * ADVANCE_AT_REVISION for several tokens at once (pg-advance-batch.ts): the same compare-and-set,
 * row by row, and an audit row for each row that moved, in ONE statement, so one commit and one
 * WAL flush for the lot. Each row moves or not on its own conditions: its state columns as read,
 * and its revision when it read one (a caller other than the verifier may not have). The rows
 * that moved come back with their new revisions. Rows are taken in serial order (the input's),
 * so two nodes' batches lock shared rows in the same order (the key's) and cannot deadlock.
 * The caller never puts one serial in a batch twice.
 * $1..$17 arrays, one element per token (serial, at, expected counter/last_step/drift/usage/
 * session, next ones, event, user, source, detail, revision read or null); $18 node.
 */
export const ADVANCE_MANY = {
  name: 'tb_advance_many',
  text: `WITH input AS MATERIALIZED (
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::integer[],
          $6::integer[], $7::integer[], $8::bigint[], $9::bigint[], $10::integer[], $11::integer[],
          $12::integer[], $13::text[], $14::text[], $15::text[], $16::jsonb[], $17::bigint[])
        WITH ORDINALITY AS i (serial, at, e_counter, e_last_step, e_drift, e_usage, e_session,
          n_counter, n_last_step, n_drift, n_usage, n_session, event, user_name, source, detail,
          revision, n)
      ORDER BY serial COLLATE "C"),
    moved AS (
      UPDATE tokens AS t SET counter = i.n_counter, last_step = i.n_last_step, drift = i.n_drift,
        yubico_usage = i.n_usage, yubico_session = i.n_session, fail_count = 0, lock_count = 0,
        locked_until = NULL, last_used_at = i.at
      FROM input AS i
      WHERE t.serial = i.serial AND t.counter = i.e_counter
        AND t.last_step IS NOT DISTINCT FROM i.e_last_step AND t.drift = i.e_drift
        AND t.yubico_usage IS NOT DISTINCT FROM i.e_usage
        AND t.yubico_session IS NOT DISTINCT FROM i.e_session
        AND (t.locked_until IS NULL OR t.locked_until <= i.at)
        AND (i.revision IS NULL OR t.revision = i.revision)
      RETURNING t.serial, t.revision),
    logged AS (
      INSERT INTO audit (${AUDIT_COLUMNS})
      SELECT i.at, i.event, i.serial, i.user_name, i.source, i.detail, $18
      FROM input AS i JOIN moved AS m ON m.serial = i.serial
      ORDER BY i.n
      RETURNING serial)
    SELECT moved.serial, moved.revision FROM moved JOIN logged ON logged.serial = moved.serial`,
};

export const FAIL_STATE = {
  name: 'tb_fail_state',
  text: 'SELECT fail_count, lock_count, locked_until FROM tokens WHERE serial = $1',
};

/**
 * One failure, compare-and-set on the counts it was computed from, with its 'failed' row and (when
 * it locks the token) its 'locked' row, in one statement. No row back: another node counted a
 * failure first; the caller reads the counts again and recomputes.
 * $1 serial, $2..$4 expected fail_count/lock_count/locked_until, $5..$7 next ones, $8 at, $9 user,
 * $10 source, $11 failed detail, $12 locked detail (null when not locking), $13 node.
 */
export const RECORD_FAILURE = {
  name: 'tb_record_failure',
  text: `WITH counted AS (
      UPDATE tokens SET fail_count = $5, lock_count = $6, locked_until = $7
      WHERE serial = $1 AND fail_count = $2 AND lock_count = $3
        AND locked_until IS NOT DISTINCT FROM $4::bigint
      RETURNING serial)
    INSERT INTO audit (${AUDIT_COLUMNS})
    SELECT $8, rows.event, counted.serial, $9, $10, rows.detail, $13
    FROM counted CROSS JOIN (VALUES (1, 'failed', $11::jsonb), (2, 'locked', $12::jsonb))
      AS rows (n, event, detail)
    WHERE rows.detail IS NOT NULL
    ORDER BY rows.n
    RETURNING id`,
};

/**
 * The guess guards' steps (pg-guard-steps.ts), each changed by compare-and-set on the step read:
 * an insert only where none is held, an update or delete only over the counts read. An insert or
 * update may carry the audit row of the change, written in the same statement when it lands (no
 * row when its event is null).
 */
export const GUARD_GET = {
  name: 'tb_guard_get',
  text: 'SELECT fail_count, lock_count, locked_until FROM guard_steps WHERE scope = $1 AND name = $2',
};
const GUARD_HELD = `scope = $1 AND name = $2 AND fail_count = $3 AND lock_count = $4
      AND locked_until IS NOT DISTINCT FROM $5::bigint`;
const guardAudit = (first: number) => {
  const p = Array.from({ length: 7 }, (_, i) => `$${first + i}`);
  return `logged AS (
      INSERT INTO audit (${AUDIT_COLUMNS}) SELECT ${p.join(', ')} FROM changed
      WHERE ${p[1]}::text IS NOT NULL RETURNING id)
    SELECT done FROM changed`;
};
/** $1 scope, $2 name, $3..$5 counts; $6..$12 the audit row's values (AUDIT_COLUMNS order). */
export const GUARD_INSERT = {
  name: 'tb_guard_insert',
  text: `WITH changed AS (
      INSERT INTO guard_steps (scope, name, fail_count, lock_count, locked_until)
      VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope, name) DO NOTHING RETURNING 1 AS done),
    ${guardAudit(6)}`,
};
/** $1 scope, $2 name, $3..$5 counts held, $6..$8 next ones; $9..$15 the audit row's values. */
export const GUARD_UPDATE = {
  name: 'tb_guard_update',
  text: `WITH changed AS (
      UPDATE guard_steps SET fail_count = $6, lock_count = $7, locked_until = $8
      WHERE ${GUARD_HELD} RETURNING 1 AS done),
    ${guardAudit(9)}`,
};
/** $1 scope, $2 name, $3..$5 counts held. */
export const GUARD_DELETE = {
  name: 'tb_guard_delete',
  text: `DELETE FROM guard_steps WHERE ${GUARD_HELD} RETURNING 1 AS done`,
};

export const INSERT_AUDIT = {
  name: 'tb_audit',
  text: `INSERT INTO audit (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
};

export const LOCK_TOKEN = `SELECT ${RECORD_COLUMNS} FROM tokens WHERE serial = $1 FOR UPDATE`;
/** Serialises pairings of one user across the fleet (the per-user token limit holds exactly). */
export const LOCK_USER = 'SELECT pg_advisory_xact_lock($1, hashtext($2))';
/** The first key of the two-key advisory locks pairing takes ("Pair"). */
export const PAIR_LOCK_SPACE = 0x50616972;
export const PAIR = 'UPDATE tokens SET user_name = $2, paired_at = $3 WHERE serial = $1';
export const UNPAIR = 'UPDATE tokens SET user_name = NULL, paired_at = NULL WHERE serial = $1';
export const UNLOCK =
  'UPDATE tokens SET fail_count = 0, lock_count = 0, locked_until = NULL WHERE serial = $1';
export const DELETE = 'DELETE FROM tokens WHERE serial = $1';

export const META_GET = 'SELECT value FROM registry_meta WHERE name = $1';
export const META_INIT =
  'INSERT INTO registry_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING';
export const META_SET =
  'INSERT INTO registry_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = $2';
export const OTHER_KEY = 'SELECT key_id FROM tokens WHERE key_id <> $1 LIMIT 1';
export const META_KEY_ID = 'key_id';
export const META_CREATED_AT = 'created_at';
export const META_CREATED_BY = 'created_by';

export const TLS_STATE =
  'SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()';
export const SERVER_VERSION = 'SHOW server_version';
