import type { PoolClient } from 'pg';
import { ErrorCode, StoreError } from '../../core';
import { MIGRATIONS_TABLE, PG_MIGRATIONS, type PgMigration } from './migrations';

/** The advisory lock every node takes to migrate: "TkBr", the SQLite registry's application id. */
export const MIGRATION_LOCK_KEY = 0x546b4272;

const TAKE_MIGRATION_LOCK = 'SELECT pg_advisory_xact_lock($1)';
const TABLE_EXISTS = 'SELECT to_regclass($1) IS NOT NULL AS present';
const APPLIED_VERSIONS = 'SELECT version FROM schema_migrations ORDER BY version';
const RECORD_MIGRATION =
  'INSERT INTO schema_migrations (version, name, applied_at, applied_by) VALUES ($1, $2, $3, $4)';

export interface MigrationResult {
  /** The schema version after migrating. */
  readonly version: number;
  /** The migrations this call applied (none when another node had applied them). */
  readonly applied: readonly number[];
}

/**
 * Brings the schema up to date in one transaction under a transaction-scoped advisory lock: when
 * several daemons start at once, one applies each missing migration and the others, once they get
 * the lock, find nothing left to do. Refuses a database migrated by a newer tokenbridge, and one
 * whose tables were not made by tokenbridge at all.
 */
export async function migrate(
  client: PoolClient,
  node: string,
  now: number,
  location: string,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<MigrationResult> {
  const known = migrations[migrations.length - 1]?.version ?? 0;
  await client.query('BEGIN');
  try {
    await client.query(TAKE_MIGRATION_LOCK, [MIGRATION_LOCK_KEY]);
    const present = async (table: string) =>
      (await client.query<{ present: boolean }>(TABLE_EXISTS, [table])).rows[0]!.present;
    if (!(await present('schema_migrations')) && (await present('tokens'))) {
      throw new StoreError(
        ErrorCode.STORE_SCHEMA,
        `${location} has a tokens table that tokenbridge did not make: use a database of its own`,
      );
    }
    await client.query(MIGRATIONS_TABLE);
    const done = new Set(
      (await client.query<{ version: number }>(APPLIED_VERSIONS)).rows.map((r) => r.version),
    );
    const newest = Math.max(0, ...done);
    if (newest > known) {
      throw new StoreError(
        ErrorCode.STORE_SCHEMA,
        `${location} has schema version ${newest}, but this tokenbridge knows versions up to ${known}: upgrade tokenbridge`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(RECORD_MIGRATION, [migration.version, migration.name, now, node]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return { version: known, applied };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The schema version a database is at (0: never migrated), without changing anything. */
export async function schemaVersionOf(client: PoolClient): Promise<number> {
  const present = (await client.query<{ present: boolean }>(TABLE_EXISTS, ['schema_migrations']))
    .rows[0]!.present;
  if (!present) return 0;
  const rows = (await client.query<{ version: number }>(APPLIED_VERSIONS)).rows;
  return Math.max(0, ...rows.map((r) => r.version));
}
