import type Database from 'better-sqlite3';
import {
  ErrorCode,
  silentLogger,
  StoreError,
  systemClock,
  type Clock,
  type Logger,
} from '../../core';
import type { AuditContext, AuditEntry, AuditInput, AuditQuery } from '../audit';
import { HealthTracker } from '../health-tracker';
import type { FailureStep } from '../lockout';
import type {
  CopySession,
  RegistryStore,
  RegistrySnapshot,
  RekeyResult,
  SchemaState,
  StoreCheck,
  StoreHealth,
  VerificationWrites,
} from '../registry';
import { SeedCipher } from '../seed-cipher';
import type { SeedKey } from '../seed-key';
import type { FailureRecord, ListOptions, LoadedToken, StateAdvance, TokenStore } from '../store';
import type { ImportOptions, ImportSession, TokenRecord } from '../types';
import { unpackSecret } from '../validate-token';
import { queryAudit } from './audit-query';
import { retryWhileBusy } from './busy-retry';
import { asStoreError } from './errors';
import { publishStaged } from './import-publish';
import { SqliteImportSession } from './import-session';
import { stagingPathFor } from './staging-file';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase } from './open-database';
import { rekeyStore } from './rekey';
import { openRegistryKey } from './registry-key';
import { sealedOf, toRecord } from './rows';
import { openSnapshot, SqliteCopySession } from './sqlite-copy';
import { SCHEMA_VERSION } from './schema';
import { changeIn, failIn, pairIn, unpairIn, type InTransaction } from './state-changes';
import { prepareStatements, type Statements } from './statements';

export interface SqliteTokenStoreOptions {
  /** The registry file. */
  readonly path: string;
  /** The seed key file. */
  readonly keyFile: string;
  /** The key file is a systemd credential: read it, never create or replace it. */
  readonly keyIsCredential?: boolean;
  /** How many tokens one user may pair (`users.maxTokensPerUser` of the configuration). */
  readonly maxTokensPerUser: number;
  /** Written into every audit row (`store.nodeName`). */
  readonly nodeName?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How long an operation waits (on timers) for another process's write lock. */
  readonly busyTimeoutMs?: number;
}

/** The embedded registry: one SQLite file, seeds sealed with AES-256-GCM under a separate key. */
export class SqliteTokenStore implements RegistryStore, TokenStore {
  readonly kind = 'sqlite' as const;
  readonly path: string;
  readonly keyFile: string;
  private seedKey: SeedKey;
  private cipher: SeedCipher;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly maxTokensPerUser: number;
  private readonly node: string;
  private readonly sql: Statements;
  /** What a change needs inside its transaction (state-changes.ts). */
  private readonly inTransaction: InTransaction;
  private readonly busyTimeoutMs: number;
  private readonly healthState = new HealthTracker();
  /** Each its own transaction, one commit. */
  private advances = 0;
  /** The import or copy in progress, if any (discarded when the store closes). */
  private session: { end: () => void } | undefined;

  private constructor(
    private readonly db: Database.Database,
    seedKey: SeedKey,
    options: SqliteTokenStoreOptions,
    private readonly appliedNow: readonly number[],
  ) {
    this.path = options.path;
    this.keyFile = options.keyFile;
    this.seedKey = seedKey;
    this.cipher = new SeedCipher(seedKey);
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger()).child({ module: 'token-store' });
    this.maxTokensPerUser = options.maxTokensPerUser;
    this.node = options.nodeName ?? '';
    this.sql = prepareStatements(db);
    this.inTransaction = { sql: this.sql, audit: (entry, at) => this.insertAudit(entry, at) };
    this.busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  }

  /**
   * Opens or creates the store. Refuses a zero-length, damaged or foreign file, a key file readable
   * by others, a schema newer than this code, and a key other than the one the registry was
   * created with.
   */
  static open(options: SqliteTokenStoreOptions): SqliteTokenStore {
    const logger = (options.logger ?? silentLogger()).child({ module: 'token-store' });
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    const { db, appliedNow } = openDatabase(options.path, { busyTimeoutMs });
    try {
      const seedKey = openRegistryKey(
        db,
        {
          path: options.path,
          keyFile: options.keyFile,
          keyIsCredential: options.keyIsCredential === true,
          now: (options.clock ?? systemClock).now(),
        },
        logger,
      );
      // From here on a busy lock is waited for on timers (busy-retry.ts), never inside SQLite.
      db.pragma('busy_timeout = 0');
      return new SqliteTokenStore(db, seedKey, options, appliedNow);
    } catch (err) {
      db.close();
      throw asStoreError(err, options.path);
    }
  }

  get keyId(): string {
    return this.seedKey.keyId;
  }

  get location(): string {
    return this.path;
  }

  health(): StoreHealth {
    return this.healthState.current;
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

  get verificationWrites(): VerificationWrites {
    return { statements: this.advances, advances: this.advances, refused: 0 };
  }

  async advance(update: StateAdvance): Promise<boolean> {
    this.advances++;
    return this.write(() => {
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
    });
  }

  async recordFailure(failure: FailureRecord): Promise<FailureStep | null> {
    return this.write(() => failIn(this.inTransaction, failure));
  }

  async unlock(serial: string, context: AuditContext): Promise<boolean> {
    return this.write(() =>
      changeIn(this.inTransaction, serial, 'unlocked', context, this.clock.now()),
    );
  }

  async pair(serial: string, user: string, context: AuditContext): Promise<TokenRecord> {
    if (typeof user !== 'string' || user.length === 0 || user.length > 256) {
      throw new StoreError(ErrorCode.INVALID_INPUT, 'user: expected 1..256 characters');
    }
    const limit = this.maxTokensPerUser;
    return this.write(() =>
      pairIn(this.inTransaction, serial, user, context, limit, this.clock.now()),
    );
  }

  async unpair(serial: string, context: AuditContext): Promise<string | null> {
    return this.write(() => unpairIn(this.inTransaction, serial, context, this.clock.now()));
  }

  async delete(serial: string, context: AuditContext): Promise<boolean> {
    return this.write(() =>
      changeIn(this.inTransaction, serial, 'deleted', context, this.clock.now()),
    );
  }

  async appendAudit(entry: AuditInput): Promise<void> {
    await this.write(() => this.insertAudit(entry, this.clock.now()));
  }

  async audit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return this.run(() => queryAudit(this.db, query));
  }

  async beginImport(options: ImportOptions): Promise<ImportSession> {
    const end = this.claimSession();
    try {
      const session = new SqliteImportSession(
        stagingPathFor(this.path),
        {
          exists: (serial) => this.sql.exists.get(serial) !== undefined,
          ownerOfPublicId: (publicId) => this.sql.ownerOfPublicId.get(publicId),
        },
        this.cipher,
        this.clock,
        options,
        this.path,
        (context) =>
          this.guard(() => publishStaged(this.db, context, this.node, this.busyTimeoutMs)),
        end,
      );
      this.session = { end: () => void session.rollback() };
      return session;
    } catch (err) {
      end();
      throw err;
    }
  }

  async beginCopy(): Promise<CopySession> {
    const end = this.claimSession();
    const session = new SqliteCopySession(
      this.db,
      stagingPathFor(this.path),
      this.path,
      this.busyTimeoutMs,
      end,
    );
    this.session = { end: () => void session.rollback() };
    return session;
  }

  async snapshot(): Promise<RegistrySnapshot> {
    return this.guard(async () => openSnapshot(this.path));
  }

  async schema(): Promise<SchemaState> {
    const version = await this.run(
      () => this.db.pragma('user_version', { simple: true }) as number,
    );
    return { version, appliedNow: this.appliedNow };
  }

  /**
   * Moves every seed to a new key (read from `newKeyPath`, or fresh random bytes); see rekey.ts for
   * the order that keeps a crash from stranding the seeds.
   */
  async rekey(context: AuditContext, newKeyPath?: string): Promise<RekeyResult> {
    const result = await this.guard(() =>
      rekeyStore(
        this.db,
        this.seedKey,
        this.keyFile,
        newKeyPath,
        this.clock.now(),
        { ...context, node: this.node, busyBudgetMs: this.busyTimeoutMs },
        this.logger,
      ),
    );
    this.seedKey = result.seedKey;
    this.cipher = new SeedCipher(result.seedKey);
    return { from: result.from, to: result.to, tokens: result.tokens };
  }

  async check(): Promise<StoreCheck[]> {
    const integrity = this.checkIntegrity();
    const version = this.db.pragma('user_version', { simple: true }) as number;
    return [
      {
        name: 'integrity',
        ok: integrity.ok,
        detail: integrity.ok ? 'PRAGMA integrity_check: ok' : integrity.problems.join('; '),
      },
      {
        name: 'schema',
        ok: version === SCHEMA_VERSION,
        detail: `schema version ${version} (this tokenbridge: ${SCHEMA_VERSION})`,
      },
      { name: 'key', ok: true, detail: `sealed under key ${this.keyId}, the key file's` },
    ];
  }

  /** The connection's durability settings, as SQLite reports them. */
  settings(): { journalMode: string; synchronous: string; lockWaitMs: number } {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      // SQLite reports the level as a number: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
      synchronous:
        ['OFF', 'NORMAL', 'FULL', 'EXTRA'][
          this.db.pragma('synchronous', { simple: true }) as number
        ] ?? 'unknown',
      lockWaitMs: this.busyTimeoutMs,
    };
  }

  /** `PRAGMA integrity_check`: 'ok', or the problems SQLite found. */
  checkIntegrity(): { ok: boolean; problems: string[] } {
    const rows = this.db.pragma('integrity_check', { simple: false }) as Array<{
      integrity_check: string;
    }>;
    const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
    return { ok: problems.length === 0, problems };
  }

  async close(): Promise<void> {
    this.closeSync();
  }

  closeSync(): void {
    // An import still open is discarded: its staging file is deleted, the registry never saw it.
    this.session?.end();
    this.session = undefined;
    if (this.db.open) this.db.close();
  }

  private claimSession(): () => void {
    if (this.session) {
      throw new StoreError(ErrorCode.STORE_IO, `store ${this.path}: another import is in progress`);
    }
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.session = undefined;
    };
    this.session = { end };
    return end;
  }

  private insertAudit(entry: AuditInput, at: number): void {
    this.sql.audit.run({
      at,
      event: entry.event,
      serial: entry.serial,
      user: entry.user,
      source: entry.source,
      detail: JSON.stringify(entry.detail),
      node: this.node,
    });
  }

  /** One IMMEDIATE transaction, waiting on timers while another process holds the write lock. */
  private write<T>(fn: () => T): Promise<T> {
    const transaction = this.db.transaction(fn);
    return this.guard(() => retryWhileBusy(() => transaction.immediate(), this.busyTimeoutMs));
  }

  /** A read (WAL readers take no lock); a busy WAL recovery is waited for the same way. */
  private run<T>(fn: () => T): Promise<T> {
    return this.guard(() => retryWhileBusy(fn, this.busyTimeoutMs));
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.healthState.succeeded();
      return result;
    } catch (err) {
      throw this.healthState.failed(asStoreError(err, this.path));
    }
  }
}
