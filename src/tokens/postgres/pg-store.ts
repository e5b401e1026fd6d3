import type { Pool, PoolClient } from 'pg';
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
import type { FailureRecord, ListOptions, LoadedToken, LoadOptions, StateAdvance } from '../store';
import type { ImportOptions, ImportSession, TokenRecord } from '../types';
import { unpackSecret } from '../validate-token';
import { queryPgAudit } from './pg-audit-query';
import { PgConnection } from './pg-connection';
import type { PgSettings } from './pg-config';
import { openPgSnapshot, PgCopySession } from './pg-copy';
import { asPgStoreError, isUnavailable } from './pg-errors';
import { changePg, notFound, pairPg, recordPgFailure } from './pg-changes';
import { PgQueries } from './pg-queries';
import { PgImportSession } from './pg-import-session';
import { checkFleet, inspectFleetKey, openFleetKey } from './pg-fleet-key';
import { rekeyFleet } from './pg-rekey';
import { PgRowCache } from './pg-row-cache';
import { AdvanceBatcher, ADVANCES_IN_FLIGHT } from './pg-advance-batch';
import { toRecord, sealedOf, type PgLoadedRow, type PgTokenRow } from './pg-rows';
import { PgGuardSteps } from './pg-guard-steps';
import * as SQL from './sql';
import { migrate, schemaVersionOf } from './migrate';

export interface PostgresTokenStoreOptions {
  readonly settings: PgSettings;
  readonly keyFile: string;
  readonly keyIsCredential?: boolean;
  readonly maxTokensPerUser: number;
  /** Written into every audit row (`store.nodeName`). */
  readonly nodeName: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /**
   * Look without changing anything (`doctor`): no migration, no key file created, nothing
   * recorded; a schema older or newer than this code is reported by check().
   */
  readonly inspectOnly?: boolean;
}

/**
 * The fleet registry: one PostgreSQL database shared by every daemon. Every change is one statement
 * or one transaction, committed before its promise resolves; counters move by compare-and-set on
 * the state the engine verified, fail counts likewise, and each audit row is written in the same
 * statement or transaction as the change it records. Seeds reach the server sealed (AES-256-GCM
 * under the fleet's key, which never leaves the nodes). All I/O is asynchronous: the event loop
 * never waits for the server.
 */
export class PostgresTokenStore implements RegistryStore {
  readonly kind = 'postgres' as const;
  readonly keyFile: string;
  private seedKey: SeedKey | undefined;
  private cipher: SeedCipher | undefined;
  private readonly connection: PgConnection;
  private readonly q: PgQueries;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly healthState = new HealthTracker();
  private readonly rows = new PgRowCache();
  private readonly advances: AdvanceBatcher;
  /** The guess guards' steps, shared by every daemon on this registry. */
  readonly guardSteps: PgGuardSteps;
  private importing = false;
  private userListReads = 0;
  private appliedNow: readonly number[] = [];
  /** The import or copy in progress, if any: close() discards it so its connection is returned. */
  private session: { rollback(): Promise<void> } | undefined;

  private constructor(private readonly options: PostgresTokenStoreOptions) {
    this.keyFile = options.keyFile;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger()).child({ module: 'token-store' });
    this.connection = new PgConnection(
      options.settings,
      (client, location) => this.firstConnection(client, location),
      this.logger,
    );
    this.q = new PgQueries(this.connection, this.healthState, this.logger, options.nodeName);
    this.guardSteps = new PgGuardSteps(this.q, () => this.clock.now());
    this.advances = new AdvanceBatcher({
      sendOne: (update) => this.advanceOne(update),
      sendMany: (updates) => this.advanceMany(updates),
      inFlight: Math.min(ADVANCES_IN_FLIGHT, options.settings.poolSize),
      onRefused: (err, size) =>
        this.logger.warn(
          { tokens: size, error: err instanceof Error ? err.message : String(err) },
          'the registry refused a batch of verifications; sending them one by one',
        ),
    });
  }

  /**
   * Opens the store and makes the first connection. A server out of reach does not fail the open:
   * the store reports itself unhealthy and refuses every request with STORE_UNAVAILABLE until the
   * server answers (fail closed). A schema from a newer tokenbridge, or a key other than the one
   * the fleet's registry was created with, does fail it.
   */
  static async open(options: PostgresTokenStoreOptions): Promise<PostgresTokenStore> {
    const store = new PostgresTokenStore(options);
    try {
      await store.connection.get();
      store.healthState.set({ ok: true });
    } catch (err) {
      if (!isUnavailable(err)) {
        await store.connection.close();
        throw err;
      }
      store.healthState.failed(err);
    }
    return store;
  }

  get location(): string {
    return this.connection.location;
  }

  get keyId(): string {
    return this.seedKey?.keyId ?? 'unknown (not connected yet)';
  }

  health(): StoreHealth {
    const failure = this.connection.failure;
    if (failure) {
      return { ok: false, code: failure.code, reason: failure.message };
    }
    return this.healthState.current;
  }

  async get(serial: string): Promise<TokenRecord | null> {
    const rows = await this.q.read<PgTokenRow>(SQL.GET, [serial]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findByPublicId(publicId: string): Promise<TokenRecord | null> {
    const rows = await this.q.read<PgTokenRow>(SQL.BY_PUBLIC_ID, [publicId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(options: ListOptions = {}): Promise<TokenRecord[]> {
    const rows = await this.q.read<PgTokenRow>(SQL.LIST, [
      options.afterSerial ?? '',
      options.limit ?? null,
    ]);
    return rows.map(toRecord);
  }

  async count(): Promise<number> {
    return (await this.q.read<{ n: number }>(SQL.COUNT, []))[0]!.n;
  }

  async tokensOf(user: string): Promise<TokenRecord[]> {
    this.userListReads++;
    const rows = await this.q.read<PgTokenRow>(SQL.OF_USER, [user]);
    this.rows.rememberUser(
      user,
      rows.map((row) => row.serial),
    );
    return rows.map(toRecord);
  }

  /** From this node's memory (PgRowCache.rowsOfUser); the verifier's rules make it safe. */
  tokensInMemoryOf(user: string): TokenRecord[] | undefined {
    return this.rows.rowsOfUser(user)?.map(toRecord);
  }

  /** How often a user's tokens were read from the registry (a sign-on from memory reads none). */
  get userListReadCount(): number {
    return this.userListReads;
  }

  /** From this node's copy unless `fresh` (see PgRowCache); a fresh read refreshes the copy. */
  async load(serial: string, options: LoadOptions = {}): Promise<LoadedToken | null> {
    let row = options.fresh ? undefined : this.rows.get(serial);
    const fromCache = row !== undefined;
    if (!row) {
      row = (await this.q.read<PgLoadedRow>(SQL.LOAD, [serial]))[0];
      if (!row) {
        this.rows.forget(serial);
        return null;
      }
      this.rows.set(row);
    }
    const plaintext = this.cipherNow().open(serial, sealedOf(row));
    return {
      record: toRecord(row),
      secret: unpackSecret(row.kind, plaintext),
      fromCache,
      revision: row.revision,
    };
  }

  async advance(update: StateAdvance): Promise<boolean> {
    const revision = await this.advances.submit(update);
    if (revision === null) {
      this.rows.forget(update.serial);
      return false;
    }
    this.rows.advanced(update.serial, update.revision, revision, update.next, update.at);
    return true;
  }

  get verificationWrites(): VerificationWrites {
    return this.advances.stats;
  }

  /**
   * One advance in its own statement: at the revision read (ADVANCE_AT_REVISION), which is every
   * verification's; one that read no revision goes as ADVANCE_MANY's batch of one, which
   * compares every state column.
   */
  private async advanceOne(update: StateAdvance): Promise<number | null> {
    if (update.revision === undefined)
      return (await this.advanceMany([update])).get(update.serial) ?? null;
    const { next: n, audit } = update;
    const rows = await this.q.write(SQL.ADVANCE_AT_REVISION, [
      update.serial,
      update.at,
      update.revision,
      n.counter,
      n.lastStep,
      n.drift,
      n.yubicoUsage,
      n.yubicoSession,
      audit.event,
      audit.user,
      audit.source,
      JSON.stringify(audit.detail),
      this.options.nodeName,
    ]);
    return (rows[0] as { revision: number } | undefined)?.revision ?? null;
  }

  /** ADVANCE_MANY's parameters: one array per column, one element per token, then the node. */
  private async advanceMany(
    updates: readonly StateAdvance[],
  ): Promise<ReadonlyMap<string, number>> {
    const column = <T>(of: (u: StateAdvance) => T): T[] => updates.map(of);
    const rows = (await this.q.write(SQL.ADVANCE_MANY, [
      column((u) => u.serial),
      column((u) => u.at),
      column((u) => u.expected.counter),
      column((u) => u.expected.lastStep),
      column((u) => u.expected.drift),
      column((u) => u.expected.yubicoUsage),
      column((u) => u.expected.yubicoSession),
      column((u) => u.next.counter),
      column((u) => u.next.lastStep),
      column((u) => u.next.drift),
      column((u) => u.next.yubicoUsage),
      column((u) => u.next.yubicoSession),
      column((u) => u.audit.event),
      column((u) => u.audit.user),
      column((u) => u.audit.source),
      column((u) => JSON.stringify(u.audit.detail)),
      column((u) => u.revision ?? null),
      this.options.nodeName,
    ])) as { serial: string; revision: number }[];
    return new Map(rows.map((row) => [row.serial, row.revision]));
  }

  async recordFailure(failure: FailureRecord): Promise<FailureStep | null> {
    this.rows.forget(failure.serial);
    return recordPgFailure(this.q, failure, this.options.nodeName);
  }

  async unlock(serial: string, context: AuditContext): Promise<boolean> {
    this.rows.forget(serial);
    return (await changePg(this.q, serial, 'unlocked', context, this.clock.now())).found;
  }

  async pair(serial: string, user: string, context: AuditContext): Promise<TokenRecord> {
    if (typeof user !== 'string' || user.length === 0 || user.length > 256) {
      throw new StoreError(ErrorCode.INVALID_INPUT, 'user: expected 1..256 characters');
    }
    const limit = this.options.maxTokensPerUser;
    this.rows.forget(serial);
    this.rows.forgetUser(user);
    return pairPg(this.q, serial, user, context, limit, this.clock.now());
  }

  async unpair(serial: string, context: AuditContext): Promise<string | null> {
    this.rows.forget(serial);
    const result = await changePg(this.q, serial, 'unpaired', context, this.clock.now());
    if (!result.found) throw notFound(serial);
    return result.user;
  }

  async delete(serial: string, context: AuditContext): Promise<boolean> {
    this.rows.forget(serial);
    return (await changePg(this.q, serial, 'deleted', context, this.clock.now())).found;
  }

  async appendAudit(entry: AuditInput): Promise<void> {
    await this.q.write(SQL.INSERT_AUDIT, this.q.auditValues(entry, this.clock.now()));
  }

  async audit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return this.q.guard(async () => queryPgAudit(await this.connection.get(), query));
  }

  async beginImport(options: ImportOptions): Promise<ImportSession> {
    const client = await this.claimClient();
    try {
      const session = await PgImportSession.begin(client, this.cipherNow(), this.clock, options, {
        node: this.options.nodeName,
        location: this.location,
        onEnd: () => this.endSession(),
      });
      this.session = session;
      return session;
    } catch (err) {
      this.importing = false;
      throw asPgStoreError(err, this.location);
    }
  }

  async beginCopy(): Promise<CopySession> {
    const client = await this.claimClient();
    try {
      const session = await PgCopySession.begin(client, this.location, () => this.endSession());
      this.session = session;
      return session;
    } catch (err) {
      this.importing = false;
      throw asPgStoreError(err, this.location);
    }
  }

  async snapshot(): Promise<RegistrySnapshot> {
    const client = await this.q.checkout();
    return openPgSnapshot(client, this.location);
  }

  async schema(): Promise<SchemaState> {
    return this.q.guard(async () => {
      const client = await this.q.checkout();
      try {
        return { version: await schemaVersionOf(client), appliedNow: this.appliedNow };
      } finally {
        client.release();
      }
    });
  }

  async rekey(context: AuditContext, newKeyPath?: string): Promise<RekeyResult> {
    const current = await this.keyNow();
    const result = await this.q.guard(async () =>
      rekeyFleet(await this.connection.get(), current, this.keyFile, newKeyPath, {
        at: this.clock.now(),
        source: context.source,
        node: this.options.nodeName,
        logger: this.logger,
      }),
    );
    this.seedKey = result.seedKey;
    this.cipher = new SeedCipher(result.seedKey);
    this.rows.clear();
    return { from: result.from, to: result.to, tokens: result.tokens };
  }

  async check(): Promise<StoreCheck[]> {
    try {
      const pool = await this.connection.get();
      return await checkFleet(
        pool,
        this.location,
        this.connection.usesTls,
        this.options.settings.target.sslmode,
        await this.keyNow(),
      );
    } catch (err) {
      const error = asPgStoreError(err, this.location);
      return [{ name: 'connection', ok: false, detail: error.message }];
    }
  }

  async close(): Promise<void> {
    await this.session?.rollback().catch(() => undefined);
    await this.connection.close();
  }

  private endSession(): void {
    this.rows.clear();
    this.importing = false;
    this.session = undefined;
  }

  private async firstConnection(client: PoolClient, location: string): Promise<void> {
    const now = this.clock.now();
    if (this.options.inspectOnly === true) {
      this.seedKey = inspectFleetKey(this.keyFile, this.options.keyIsCredential === true);
      this.cipher = new SeedCipher(this.seedKey);
      return;
    }
    const result = await migrate(client, this.options.nodeName, now, location);
    this.appliedNow = result.applied;
    if (result.applied.length > 0) {
      this.logger.info({ store: location, applied: result.applied }, 'registry schema migrated');
    }
    this.seedKey = await openFleetKey(client, {
      keyFile: this.keyFile,
      keyIsCredential: this.options.keyIsCredential === true,
      location,
      node: this.options.nodeName,
      now,
    });
    this.cipher = new SeedCipher(this.seedKey);
  }

  private cipherNow(): SeedCipher {
    if (!this.cipher) {
      throw new StoreError(
        ErrorCode.STORE_UNAVAILABLE,
        `the token registry (${this.location}) is not connected yet; try again`,
      );
    }
    return this.cipher;
  }

  private async keyNow(): Promise<SeedKey> {
    await this.connection.get();
    return this.seedKey!;
  }

  private async claimClient(): Promise<PoolClient> {
    if (this.importing) {
      throw new StoreError(ErrorCode.STORE_IO, `${this.location}: another import is in progress`);
    }
    this.importing = true;
    try {
      return await this.q.checkout();
    } catch (err) {
      this.importing = false;
      throw err;
    }
  }
}

export type { Pool };
