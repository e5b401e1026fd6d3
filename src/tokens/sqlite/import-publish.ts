import type Database from 'better-sqlite3';
import { ErrorCode, StoreError } from '../../core';
import type { ImportOptions, ImportSummary } from '../types';
import { retryWhileBusy } from './busy-retry';

/** The scratch table an import fills: the registry's token columns, plus where each came from. */
export const STAGING_SCHEMA = `
  CREATE TABLE staged (
    serial      TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL,
    algorithm   TEXT NOT NULL,
    digits      INTEGER NOT NULL,
    period      INTEGER NOT NULL,
    counter     INTEGER NOT NULL,
    drift       INTEGER NOT NULL,
    public_id   TEXT,
    imported_at INTEGER NOT NULL,
    key_id      TEXT NOT NULL,
    seed_nonce  BLOB NOT NULL,
    seed_ct     BLOB NOT NULL,
    origin      TEXT NOT NULL,
    existed     INTEGER NOT NULL
  );
`;

/** The name the staging file is attached under while it is published. */
const STAGING_SCHEMA_NAME = 'staging';

const FIRST_CLASH = `SELECT s.origin, s.serial FROM ${STAGING_SCHEMA_NAME}.staged s
  JOIN tokens t ON t.serial = s.serial LIMIT 1`;
const PUBLIC_ID_CLASH = `SELECT s.origin, s.public_id, t.serial AS owner FROM ${STAGING_SCHEMA_NAME}.staged s
  JOIN tokens t ON t.public_id = s.public_id AND t.serial != s.serial LIMIT 1`;
const COUNT_REPLACED = `SELECT count(*) FROM ${STAGING_SCHEMA_NAME}.staged s
  WHERE EXISTS (SELECT 1 FROM tokens t WHERE t.serial = s.serial)`;
const COUNT_STAGED = `SELECT count(*) FROM ${STAGING_SCHEMA_NAME}.staged`;
// A re-imported serial gets a new secret and fresh state; its pairing stays.
const REPLACE_EXISTING = `UPDATE tokens SET kind = s.kind, algorithm = s.algorithm,
    digits = s.digits, period = s.period, counter = s.counter, last_step = NULL, drift = s.drift,
    public_id = s.public_id, yubico_usage = NULL, yubico_session = NULL,
    imported_at = s.imported_at, last_used_at = NULL, fail_count = 0, locked_until = NULL,
    lock_count = 0, key_id = s.key_id, seed_nonce = s.seed_nonce, seed_ct = s.seed_ct
  FROM ${STAGING_SCHEMA_NAME}.staged AS s WHERE tokens.serial = s.serial`;
const INSERT_NEW = `INSERT INTO tokens (serial, kind, algorithm, digits, period, counter, drift,
    public_id, imported_at, key_id, seed_nonce, seed_ct)
  SELECT serial, kind, algorithm, digits, period, counter, drift, public_id, imported_at, key_id,
    seed_nonce, seed_ct
  FROM ${STAGING_SCHEMA_NAME}.staged s
  WHERE NOT EXISTS (SELECT 1 FROM tokens t WHERE t.serial = s.serial)`;
const AUDIT_IMPORT = `INSERT INTO audit (at, event, serial, user, source, detail, node)
  VALUES (@at, 'imported', NULL, NULL, @source, @detail, @node)`;

export interface PublishContext {
  readonly stagingPath: string;
  readonly options: ImportOptions;
  readonly at: number;
}

/**
 * Publishes a staged import in one IMMEDIATE transaction: the checks made while staging are made
 * again (another import may have published meanwhile), then every token is inserted or replaced by
 * two set-based statements and the audit row is added. Waiting for the write lock happens on timers
 * (retryWhileBusy), never inside SQLite.
 */
export async function publishStaged(
  db: Database.Database,
  context: PublishContext,
  node: string,
  busyBudgetMs: number,
): Promise<ImportSummary> {
  db.prepare(`ATTACH DATABASE ? AS ${STAGING_SCHEMA_NAME}`).run(context.stagingPath);
  try {
    return await retryWhileBusy(
      () => db.transaction(() => publishInTransaction(db, context, node)).immediate(),
      busyBudgetMs,
    );
  } finally {
    db.exec(`DETACH DATABASE ${STAGING_SCHEMA_NAME}`);
  }
}

function publishInTransaction(
  db: Database.Database,
  context: PublishContext,
  node: string,
): ImportSummary {
  const { options } = context;
  if (!options.replace) {
    const clash = db.prepare<[], { origin: string; serial: string }>(FIRST_CLASH).get();
    if (clash) {
      throw new StoreError(
        ErrorCode.TOKEN_EXISTS,
        `${clash.origin}: serial ${clash.serial} is already in the registry (use --replace to overwrite it)`,
      );
    }
  }
  const owned = db
    .prepare<[], { origin: string; public_id: string; owner: string }>(PUBLIC_ID_CLASH)
    .get();
  if (owned) {
    throw new StoreError(
      ErrorCode.TOKEN_EXISTS,
      `${owned.origin}: public id ${owned.public_id} already belongs to token ${owned.owner}`,
    );
  }
  const replaced = db.prepare<[], number>(COUNT_REPLACED).pluck().get()!;
  const total = db.prepare<[], number>(COUNT_STAGED).pluck().get()!;
  if (replaced > 0) db.prepare(REPLACE_EXISTING).run();
  db.prepare(INSERT_NEW).run();
  const added = total - replaced;
  db.prepare(AUDIT_IMPORT).run({
    at: context.at,
    source: options.source,
    detail: JSON.stringify({ added, replaced }),
    node,
  });
  return { added, replaced, dryRun: false };
}
