import Database from 'better-sqlite3';
import { ErrorCode, StoreError } from '../../core';
import type { AuditEntry } from '../audit';
import type { CopySession, CopySummary, RegistrySnapshot, StoredToken } from '../registry';
import { retryWhileBusy } from './busy-retry';
import { asStoreError } from './errors';
import { discardStagingFile, openStagingFile } from './staging-file';
import {
  RECORD_COLUMNS,
  sealedOf,
  toAuditEntry,
  toRecord,
  type AuditRow,
  type SealedRow,
} from './rows';

/** Rows read per query while exporting: bounded memory for 100,000 tokens. */
const EXPORT_PAGE = 1000;
const COPY_SCHEMA_NAME = 'incoming';

/** Every stored column of a token, in one order for the staging table and the registry. */
const TOKEN_COLUMNS = `${RECORD_COLUMNS}, seed_nonce, seed_ct`;
const TOKEN_PARAMS =
  '@serial, @kind, @algorithm, @digits, @period, @counter, @last_step, @drift, @public_id, ' +
  '@yubico_usage, @yubico_session, @user, @imported_at, @paired_at, @last_used_at, ' +
  '@fail_count, @locked_until, @lock_count, @key_id, @seed_nonce, @seed_ct';
const AUDIT_COLUMNS = 'at, event, serial, user, source, detail, node';

const COPY_STAGING_SCHEMA = `
  CREATE TABLE tokens (serial TEXT PRIMARY KEY, kind, algorithm, digits, period, counter,
    last_step, drift, public_id, yubico_usage, yubico_session, user, imported_at, paired_at,
    last_used_at, fail_count, locked_until, lock_count, key_id, seed_nonce, seed_ct);
  CREATE TABLE audit (id INTEGER PRIMARY KEY, at, event, serial, user, source, detail, node);
`;

/**
 * A consistent read of the registry on a read-only connection of its own: one read transaction
 * (WAL: a snapshot that writers elsewhere neither disturb nor wait for) over every page.
 */
export function openSnapshot(path: string): RegistrySnapshot {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.exec('BEGIN');
  // The first read fixes the snapshot.
  db.prepare('SELECT count(*) FROM tokens').get();
  return {
    tokens: () => exportTokenRows(db),
    audit: () => exportAuditRows(db),
    close: async () => {
      if (db.open) db.close();
    },
  };
}

/** The registry's tokens with their sealed seeds, a page at a time in serial order. */
async function* exportTokenRows(db: Database.Database): AsyncIterable<StoredToken> {
  const page = db.prepare<[string, number], SealedRow>(
    `SELECT ${TOKEN_COLUMNS} FROM tokens WHERE serial > ? ORDER BY serial LIMIT ?`,
  );
  let after = '';
  for (;;) {
    const rows = page.all(after, EXPORT_PAGE);
    if (rows.length === 0) return;
    for (const row of rows) yield { record: toRecord(row), sealed: sealedOf(row) };
    after = rows[rows.length - 1]!.serial;
  }
}

/** The audit trail, oldest first, a page at a time. */
async function* exportAuditRows(db: Database.Database): AsyncIterable<AuditEntry> {
  const page = db.prepare<[number, number], AuditRow>(
    `SELECT id, ${AUDIT_COLUMNS} FROM audit WHERE id > ? ORDER BY id LIMIT ?`,
  );
  let after = 0;
  for (;;) {
    const rows = page.all(after, EXPORT_PAGE);
    if (rows.length === 0) return;
    for (const row of rows) yield toAuditEntry(row);
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * Receives a registry (`store copy`): tokens and audit rows are staged in a scratch file beside
 * this registry, then published in one IMMEDIATE transaction that refuses the whole copy when any
 * serial or public id is already here. Audit rows keep their time, node and source; they get new
 * ids after this registry's own.
 */
export class SqliteCopySession implements CopySession {
  private readonly staging: Database.Database;
  private readonly addTokenRow: Database.Statement<[Record<string, unknown>]>;
  private readonly addAuditRow: Database.Statement<[Record<string, unknown>]>;
  private open = true;

  constructor(
    private readonly db: Database.Database,
    private readonly stagingPath: string,
    private readonly path: string,
    private readonly busyBudgetMs: number,
    private readonly onEnd: () => void,
  ) {
    try {
      this.staging = openStagingFile(stagingPath, COPY_STAGING_SCHEMA);
      this.addTokenRow = this.staging.prepare(
        `INSERT INTO tokens (${TOKEN_COLUMNS}) VALUES (${TOKEN_PARAMS})`,
      );
      this.addAuditRow = this.staging.prepare(
        `INSERT INTO audit (${AUDIT_COLUMNS}) VALUES (@at, @event, @serial, @user, @source, @detail, @node)`,
      );
      this.staging.exec('BEGIN');
    } catch (err) {
      this.end();
      throw asStoreError(err, path);
    }
  }

  async addToken(token: StoredToken): Promise<void> {
    this.assertOpen();
    const r = token.record;
    try {
      this.addTokenRow.run({
        serial: r.serial,
        kind: r.kind,
        algorithm: r.algorithm,
        digits: r.digits,
        period: r.period,
        counter: r.counter,
        last_step: r.lastStep,
        drift: r.drift,
        public_id: r.publicId,
        yubico_usage: r.yubicoUsage,
        yubico_session: r.yubicoSession,
        user: r.user,
        imported_at: r.importedAt,
        paired_at: r.pairedAt,
        last_used_at: r.lastUsedAt,
        fail_count: r.failCount,
        locked_until: r.lockedUntil,
        lock_count: r.lockCount,
        key_id: token.sealed.keyId,
        seed_nonce: token.sealed.nonce,
        seed_ct: token.sealed.ciphertext,
      });
    } catch (err) {
      this.end();
      throw asStoreError(err, this.path);
    }
  }

  async addAudit(entry: AuditEntry): Promise<void> {
    this.assertOpen();
    try {
      this.addAuditRow.run({ ...entry, detail: JSON.stringify(entry.detail) });
    } catch (err) {
      this.end();
      throw asStoreError(err, this.path);
    }
  }

  async commit(): Promise<CopySummary> {
    this.assertOpen();
    try {
      this.staging.exec('COMMIT');
      this.staging.close();
      this.db.prepare(`ATTACH DATABASE ? AS ${COPY_SCHEMA_NAME}`).run(this.stagingPath);
      try {
        const publish = this.db.transaction(() => this.publish());
        return await retryWhileBusy(() => publish.immediate(), this.busyBudgetMs);
      } finally {
        this.db.exec(`DETACH DATABASE ${COPY_SCHEMA_NAME}`);
      }
    } catch (err) {
      throw asStoreError(err, this.path);
    } finally {
      this.end();
    }
  }

  async rollback(): Promise<void> {
    if (this.open) this.end();
  }

  private publish(): CopySummary {
    const clash = this.db
      .prepare<[], string>(
        `SELECT i.serial FROM ${COPY_SCHEMA_NAME}.tokens i JOIN tokens t
           ON t.serial = i.serial OR (i.public_id IS NOT NULL AND t.public_id = i.public_id) LIMIT 1`,
      )
      .pluck()
      .get();
    if (clash !== undefined) {
      throw new StoreError(
        ErrorCode.TOKEN_EXISTS,
        `token ${clash} (or its public id) is already in the destination registry: nothing was copied`,
      );
    }
    const tokens = this.db
      .prepare(
        `INSERT INTO tokens (${TOKEN_COLUMNS}) SELECT ${TOKEN_COLUMNS} FROM ${COPY_SCHEMA_NAME}.tokens`,
      )
      .run().changes;
    const audit = this.db
      .prepare(
        `INSERT INTO audit (${AUDIT_COLUMNS}) SELECT ${AUDIT_COLUMNS} FROM ${COPY_SCHEMA_NAME}.audit ORDER BY id`,
      )
      .run().changes;
    return { tokens, audit };
  }

  private end(): void {
    this.open = false;
    try {
      discardStagingFile(this.staging, this.stagingPath);
    } finally {
      this.onEnd();
    }
  }

  private assertOpen(): void {
    if (!this.open) {
      throw new StoreError(ErrorCode.STORE_IO, 'copy session is already committed or rolled back');
    }
  }
}
