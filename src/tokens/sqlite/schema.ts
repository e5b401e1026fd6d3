import type Database from 'better-sqlite3';
import { ErrorCode, StoreError } from '../../core';

/**
 * Schema migrations, applied in order; `PRAGMA user_version` records the last one applied. Add new
 * steps at the end, never edit a released one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: tokens, with the secret sealed by AES-256-GCM (seed_nonce, seed_ct) under key_id; audit.
  `
  CREATE TABLE tokens (
    serial         TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('hotp', 'totp', 'yubico')),
    algorithm      TEXT NOT NULL CHECK (algorithm IN ('sha1', 'sha256', 'sha512')),
    digits         INTEGER NOT NULL CHECK (digits IN (6, 8)),
    period         INTEGER NOT NULL CHECK (period IN (30, 60)),
    counter        INTEGER NOT NULL DEFAULT 0 CHECK (counter >= 0),
    last_step      INTEGER,
    drift          INTEGER NOT NULL DEFAULT 0,
    public_id      TEXT UNIQUE,
    yubico_usage   INTEGER,
    yubico_session INTEGER,
    user           TEXT,
    imported_at    INTEGER NOT NULL,
    paired_at      INTEGER,
    last_used_at   INTEGER,
    fail_count     INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER,
    lock_count     INTEGER NOT NULL DEFAULT 0,
    key_id         TEXT NOT NULL,
    seed_nonce     BLOB NOT NULL,
    seed_ct        BLOB NOT NULL
  ) STRICT;
  CREATE INDEX tokens_user ON tokens (user);
  CREATE INDEX tokens_key_id ON tokens (key_id);

  CREATE TABLE audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    event  TEXT NOT NULL,
    serial TEXT,
    user   TEXT,
    source TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
  ) STRICT;
  CREATE INDEX audit_serial ON audit (serial, id);
  CREATE INDEX audit_user ON audit (user, id);
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
  `,
  // 2: the node that wrote each audit row (a fleet's rows say which kiosk); the registry's own
  // facts (the seed key fingerprint it was created with), checked at every start.
  `
  ALTER TABLE audit ADD COLUMN node TEXT NOT NULL DEFAULT '';
  CREATE TABLE registry_meta (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
  ) STRICT;
  `,
  // 3: the listing order (serial-order.ts) as an index, so a page of `tokens list --after` reads
  // its rows instead of sorting the whole registry.
  `
  CREATE INDEX tokens_serial_order ON tokens (length(serial), serial);
  `,
];

/** `PRAGMA application_id` of a tokenbridge registry: "TkBr". Any other non-zero id is foreign. */
export const APPLICATION_ID = 0x546b4272;
/** The names in registry_meta. */
export const META_KEY_ID = 'key_id';
export const META_CREATED_AT = 'created_at';

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema up to date inside one IMMEDIATE transaction (so two processes opening a new file
 * at once migrate it once), and refuses a file from a newer tokenbridge.
 */
export function migrate(db: Database.Database, path: string, migrations = MIGRATIONS): number {
  const current = () => db.pragma('user_version', { simple: true }) as number;
  const refuseNewer = (version: number) => {
    if (version > migrations.length) {
      throw new StoreError(
        ErrorCode.STORE_IO,
        `store ${path} has schema version ${version}, but this tokenbridge knows versions up to ${migrations.length}: upgrade tokenbridge`,
      );
    }
  };
  refuseNewer(current());
  if (current() === migrations.length) return migrations.length;
  db.transaction(() => {
    const from = current();
    refuseNewer(from);
    for (let v = from; v < migrations.length; v++) db.exec(migrations[v]!);
    db.pragma(`user_version = ${migrations.length}`);
    db.pragma(`application_id = ${APPLICATION_ID}`);
  }).immediate();
  return migrations.length;
}
