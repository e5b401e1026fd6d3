/**
 * The fleet registry's schema, as numbered migrations applied in order under an advisory lock
 * (migrate.ts). Add new steps at the end with the next number; never edit a released one.
 * Times are milliseconds since the epoch (BIGINT), as in the SQLite registry.
 */
export interface PgMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'tokens, audit and registry facts',
    sql: `
      CREATE TABLE tokens (
        serial         TEXT COLLATE "C" PRIMARY KEY,
        kind           TEXT NOT NULL CHECK (kind IN ('hotp', 'totp', 'yubico')),
        algorithm      TEXT NOT NULL CHECK (algorithm IN ('sha1', 'sha256', 'sha512')),
        digits         INTEGER NOT NULL CHECK (digits IN (6, 8)),
        period         INTEGER NOT NULL CHECK (period IN (30, 60)),
        counter        BIGINT NOT NULL DEFAULT 0 CHECK (counter >= 0),
        last_step      BIGINT,
        drift          INTEGER NOT NULL DEFAULT 0,
        public_id      TEXT UNIQUE,
        yubico_usage   INTEGER,
        yubico_session INTEGER,
        user_name      TEXT,
        imported_at    BIGINT NOT NULL,
        paired_at      BIGINT,
        last_used_at   BIGINT,
        fail_count     INTEGER NOT NULL DEFAULT 0,
        locked_until   BIGINT,
        lock_count     INTEGER NOT NULL DEFAULT 0,
        key_id         TEXT NOT NULL,
        seed_nonce     BYTEA NOT NULL,
        seed_ct        BYTEA NOT NULL
      );
      CREATE INDEX tokens_user ON tokens (user_name);
      CREATE INDEX tokens_key_id ON tokens (key_id);

      CREATE TABLE audit (
        id        BIGSERIAL PRIMARY KEY,
        at        BIGINT NOT NULL,
        event     TEXT NOT NULL,
        serial    TEXT,
        user_name TEXT,
        source    TEXT NOT NULL,
        detail    JSONB NOT NULL DEFAULT '{}',
        node      TEXT NOT NULL
      );
      CREATE INDEX audit_serial ON audit (serial, id);
      CREATE INDEX audit_user ON audit (user_name, id);
      CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit is append-only'; END $$;
      CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_append_only();
      CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

      CREATE TABLE registry_meta (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'token revisions',
    // Every insert or change of a token row takes a fresh number from one sequence, whatever the
    // statement (a verification, a pairing, an import, a copy, a rekey, by any node): a node that
    // keeps a token in memory writes only while the row still has the revision it read.
    sql: `
      CREATE SEQUENCE tokens_revision;
      ALTER TABLE tokens ADD COLUMN revision BIGINT NOT NULL DEFAULT nextval('tokens_revision');
      CREATE FUNCTION tokens_revise() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.revision := nextval('tokens_revision'); RETURN NEW; END $$;
      CREATE TRIGGER tokens_revise BEFORE INSERT OR UPDATE ON tokens
        FOR EACH ROW EXECUTE FUNCTION tokens_revise();
    `,
  },
  {
    version: 3,
    name: 'the listing order as an index',
    // serial-order.ts: a page of `tokens list --after` reads its rows instead of sorting them all.
    sql: `CREATE INDEX tokens_serial_order ON tokens (length(serial), serial);`,
  },
  {
    version: 4,
    name: 'guess guards shared by the fleet',
    // flows/guard-steps.ts: the per-user counts in front of the lockout (an unknown user's
    // failures, a locked user's fresh try), one row per scope and user name, so every daemon on
    // the registry answers from the same count.
    sql: `
      CREATE TABLE guard_steps (
        scope        TEXT COLLATE "C" NOT NULL CHECK (scope IN ('unknown-user', 'fresh-try')),
        name         TEXT COLLATE "C" NOT NULL,
        fail_count   INTEGER NOT NULL CHECK (fail_count >= 0),
        lock_count   INTEGER NOT NULL CHECK (lock_count >= 0),
        locked_until BIGINT,
        PRIMARY KEY (scope, name)
      );
    `,
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]!.version;

/** Records which migrations ran; created before the first one, outside the numbered list. */
export const MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    applied_by TEXT NOT NULL
  )`;
