import type Database from 'better-sqlite3';
import {
  counted,
  ErrorCode,
  silentLogger,
  StoreError,
  systemClock,
  type Clock,
  type Logger,
} from '../../core';
import type { AuditContext, AuditEntry, AuditInput, AuditQuery } from '../audit';
import { afterFailure, type FailureStep } from '../lockout';
import { SeedCipher } from '../seed-cipher';
import { loadSeedKey, type SeedKey } from '../seed-key';
import type { FailureRecord, ListOptions, LoadedToken, StateAdvance, TokenStore } from '../store';
import type { ImportOptions, ImportSession, TokenRecord } from '../types';
import { unpackSecret } from '../validate-token';
import { asStoreError, guarded } from './errors';
import {
  prepareImportStatements,
  SqliteImportSession,
  type ImportStatements,
} from './import-session';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase } from './open-database';
import { rekeyStore, recoverPendingRekey, type RekeyResult } from './rekey';
import { prepareStatements, type Statements } from './statements';
import { sealedOf, toRecord } from './rows';
import { queryAudit } from './audit-query';

export interface SqliteTokenStoreOptions {
  /** The registry file. */
  readonly path: string;
  /** The seed key file. */
  readonly keyFile: string;
  /** The key file is a systemd credential: read it, never create or replace it. */
  readonly keyIsCredential?: boolean;
  /** How many tokens one user may pair (`users.maxTokensPerUser` of the configuration). */
  readonly maxTokensPerUser: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly busyTimeoutMs?: number;
}

/** The embedded registry: one SQLite file, seeds sealed with AES-256-GCM under a separate key. */
export class SqliteTokenStore implements TokenStore {
  readonly path: string;
  readonly keyFile: string;
  private seedKey: SeedKey;
  private cipher: SeedCipher;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly maxTokensPerUser: number;
  private readonly sql: Statements;
  private readonly busyTimeoutMs: number;
  /** The connection of the import session in progress, if any (closed with the store). */
  private importConnection: Database.Database | undefined;

  private constructor(
    private readonly db: Database.Database,
    paths: { path: string; keyFile: string },
    seedKey: SeedKey,
    options: SqliteTokenStoreOptions,
  ) {
    this.path = paths.path;
    this.keyFile = paths.keyFile;
    this.seedKey = seedKey;
    this.cipher = new SeedCipher(seedKey);
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger()).child({ module: 'token-store' });
    this.maxTokensPerUser = options.maxTokensPerUser;
    this.sql = prepareStatements(db);
    this.busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  }

  /**
   * Opens or creates the store. Refuses a key file readable by others, a schema newer than this
   * code, and a key that does not match the seeds already stored.
   */
  static open(options: SqliteTokenStoreOptions): SqliteTokenStore {
    const { path, keyFile } = options;
    const logger = (options.logger ?? silentLogger()).child({ module: 'token-store' });
    const db = openDatabase(path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    try {
      const stored = db.prepare<[], string>('SELECT key_id FROM tokens LIMIT 1').pluck().get();
      let seedKey = loadSeedKey(keyFile, {
        credential: options.keyIsCredential === true,
        create: stored === undefined,
        whyNeeded: `store ${path} holds seeds under key ${stored}: give its key file (--key-file)`,
      });
      seedKey = recoverPendingRekey(db, seedKey, logger);
      const foreign = db
        .prepare<[string], string>('SELECT key_id FROM tokens WHERE key_id != ? LIMIT 1')
        .pluck()
        .get(seedKey.keyId);
      if (foreign !== undefined) {
        throw new StoreError(
          ErrorCode.KEY_FILE,
          `store ${path} holds seeds under key ${foreign}, but ${seedKey.path} is key ${seedKey.keyId}: use the key file the store was created with (--key-file)`,
        );
      }
      return new SqliteTokenStore(db, { path, keyFile }, seedKey, options);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  get keyId(): string {
    return this.seedKey.keyId;
  }

  async get(serial: string): Promise<TokenRecord | null> {
    return this.run(() => {
      const row = this.sql.get.get(serial);
      return row ? toRecord(row) : null;
    });
  }

  async findByPublicId(publicId: string): Promise<TokenRecord | null> {
    return this.run(() => {
      const row = this.sql.byPublicId.get(publicId);
      return row ? toRecord(row) : null;
    });
  }

  async list(options: ListOptions = {}): Promise<TokenRecord[]> {
    return this.run(() =>
      this.sql.list
        .all({ after: options.afterSerial ?? '', limit: options.limit ?? -1 })
        .map(toRecord),
    );
  }

  async count(): Promise<number> {
    return this.run(() => this.sql.count.get()!);
  }

  async tokensOf(user: string): Promise<TokenRecord[]> {
    return this.run(() => this.sql.ofUser.all(user).map(toRecord));
  }

  async load(serial: string): Promise<LoadedToken | null> {
    return this.run(() => {
      const row = this.sql.sealed.get(serial);
      if (!row) return null;
      const plaintext = this.cipher.open(serial, sealedOf(row));
      return { record: toRecord(row), secret: unpackSecret(row.kind, plaintext) };
    });
  }

  async advance(update: StateAdvance): Promise<boolean> {
    return this.run(() =>
      this.db
        .transaction(() => {
          const { expected: e, next: n } = update;
          const changed = this.sql.advance.run({
            serial: update.serial,
            at: update.at,
            counter: e.counter,
            lastStep: e.lastStep,
            drift: e.drift,
            usage: e.yubicoUsage,
            session: e.yubicoSession,
            nCounter: n.counter,
            nLastStep: n.lastStep,
            nDrift: n.drift,
            nUsage: n.yubicoUsage,
            nSession: n.yubicoSession,
          }).changes;
          if (changed !== 1) return false;
          this.insertAudit(update.audit, update.at);
          return true;
        })
        .immediate(),
    );
  }

  async recordFailure(failure: FailureRecord): Promise<FailureStep | null> {
    return this.run(() =>
      this.db
        .transaction((): FailureStep | null => {
          const row = this.sql.failState.get(failure.serial);
          if (!row) return null;
          if (row.locked_until !== null && row.locked_until > failure.at) {
            // Locked by a concurrent failure meanwhile: this attempt never ran against a live token.
            return {
              failCount: row.fail_count,
              lockCount: row.lock_count,
              lockedUntil: row.locked_until,
            };
          }
          const step = afterFailure(
            failure.policy,
            { failCount: row.fail_count, lockCount: row.lock_count },
            failure.at,
          );
          this.sql.setFailState.run({ serial: failure.serial, ...step });
          this.insertAudit(
            { ...failure.audit, detail: { ...failure.audit.detail, failCount: step.failCount } },
            failure.at,
          );
          if (step.lockedUntil !== null) {
            this.insertAudit(
              {
                ...failure.audit,
                event: 'locked',
                detail: { until: step.lockedUntil, lockCount: step.lockCount },
              },
              failure.at,
            );
          }
          return step;
        })
        .immediate(),
    );
  }

  async unlock(serial: string, context: AuditContext): Promise<boolean> {
    return this.change(
      serial,
      'unlocked',
      context,
      () => this.sql.unlock.run(serial).changes === 1,
    );
  }

  async pair(serial: string, user: string, context: AuditContext): Promise<TokenRecord> {
    if (typeof user !== 'string' || user.length === 0 || user.length > 256) {
      throw new StoreError(ErrorCode.INVALID_INPUT, 'user: expected 1..256 characters');
    }
    return this.run(() =>
      this.db
        .transaction(() => {
          const row = this.sql.get.get(serial);
          if (!row) throw notFound(serial);
          if (row.user === user) return toRecord(row);
          if (row.user !== null) {
            throw new StoreError(
              ErrorCode.TOKEN_PAIRED,
              `token ${serial} is already paired to another user`,
            );
          }
          const owned = this.sql.countOfUser.get(user)!;
          if (owned >= this.maxTokensPerUser) {
            throw new StoreError(
              ErrorCode.USER_TOKEN_LIMIT,
              `user ${user} already has ${counted(owned, 'token')}, the limit is ${this.maxTokensPerUser}`,
            );
          }
          const at = this.clock.now();
          this.sql.pair.run({ serial, user, at });
          this.insertAudit(
            { event: 'paired', serial, user, source: context.source, detail: {} },
            at,
          );
          return toRecord(this.sql.get.get(serial)!);
        })
        .immediate(),
    );
  }

  async unpair(serial: string, context: AuditContext): Promise<string | null> {
    return this.run(() =>
      this.db
        .transaction(() => {
          const row = this.sql.get.get(serial);
          if (!row) throw notFound(serial);
          if (row.user === null) return null;
          this.sql.unpair.run(serial);
          this.insertAudit(
            { event: 'unpaired', serial, user: row.user, source: context.source, detail: {} },
            this.clock.now(),
          );
          return row.user;
        })
        .immediate(),
    );
  }

  async delete(serial: string, context: AuditContext): Promise<boolean> {
    return this.change(serial, 'deleted', context, () => this.sql.delete.run(serial).changes === 1);
  }

  async appendAudit(entry: AuditInput): Promise<void> {
    this.run(() => this.insertAudit(entry, this.clock.now()));
  }

  async audit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return this.run(() => queryAudit(this.db, query));
  }

  beginImport(options: ImportOptions): ImportSession {
    if (this.importConnection) {
      throw new StoreError(ErrorCode.STORE_IO, `store ${this.path}: another import is in progress`);
    }
    const connection = openDatabase(this.path, this.busyTimeoutMs);
    this.importConnection = connection;
    const end = () => {
      if (this.importConnection === connection) this.importConnection = undefined;
      connection.close();
    };
    let statements: ImportStatements;
    try {
      statements = prepareImportStatements(connection);
    } catch (err) {
      end();
      throw asStoreError(err, this.path);
    }
    return new SqliteImportSession(
      connection,
      statements,
      this.cipher,
      this.clock,
      options,
      this.path,
      end,
    );
  }

  /**
   * Moves every seed to a new key (read from `newKeyPath`, or fresh random bytes); see rekey.ts for
   * the order that keeps a crash from stranding the seeds.
   */
  rekey(context: AuditContext, newKeyPath?: string): RekeyResult {
    const result = this.run(() =>
      rekeyStore(
        this.db,
        this.seedKey,
        this.keyFile,
        newKeyPath,
        this.clock.now(),
        context,
        this.logger,
      ),
    );
    this.seedKey = result.seedKey;
    this.cipher = new SeedCipher(result.seedKey);
    return result;
  }

  /** The connection's durability settings, as SQLite reports them. */
  settings(): { journalMode: string; synchronous: string; busyTimeoutMs: number } {
    return this.run(() => ({
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      // SQLite reports the level as a number: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
      synchronous:
        ['OFF', 'NORMAL', 'FULL', 'EXTRA'][
          this.db.pragma('synchronous', { simple: true }) as number
        ] ?? 'unknown',
      busyTimeoutMs: this.db.pragma('busy_timeout', { simple: true }) as number,
    }));
  }

  /** `PRAGMA integrity_check`: 'ok', or the problems SQLite found. */
  checkIntegrity(): { ok: boolean; problems: string[] } {
    const rows = this.run(
      () =>
        this.db.pragma('integrity_check', { simple: false }) as Array<{ integrity_check: string }>,
    );
    const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
    return { ok: problems.length === 0, problems };
  }

  async close(): Promise<void> {
    this.closeSync();
  }

  closeSync(): void {
    // An import still open is rolled back: closing a connection mid-transaction discards it.
    if (this.importConnection?.open) this.importConnection.close();
    this.importConnection = undefined;
    if (this.db.open) this.db.close();
  }

  private change(
    serial: string,
    event: 'unlocked' | 'deleted',
    context: AuditContext,
    apply: () => boolean,
  ): boolean {
    return this.run(() =>
      this.db
        .transaction(() => {
          const row = this.sql.get.get(serial);
          if (!row || !apply()) return false;
          this.insertAudit(
            { event, serial, user: row.user, source: context.source, detail: {} },
            this.clock.now(),
          );
          return true;
        })
        .immediate(),
    );
  }

  private insertAudit(entry: AuditInput, at: number): void {
    this.sql.audit.run({
      at,
      event: entry.event,
      serial: entry.serial,
      user: entry.user,
      source: entry.source,
      detail: JSON.stringify(entry.detail),
    });
  }

  private run<T>(fn: () => T): T {
    return guarded(this.path, fn);
  }
}

function notFound(serial: string): StoreError {
  return new StoreError(ErrorCode.TOKEN_NOT_FOUND, `no token with serial ${serial}`);
}
