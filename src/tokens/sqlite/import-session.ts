import type Database from 'better-sqlite3';
import { ErrorCode, StoreError, type Clock } from '../../core';
import { checkPublicIdFree, checkSerialFree } from '../import-repeats';
import type { SeedCipher } from '../seed-cipher';
import type { ImportedToken, ImportOptions, ImportSession, ImportSummary } from '../types';
import { packSecret, validateImportedToken } from '../validate-token';
import { asStoreError } from './errors';
import { STAGING_SCHEMA, type PublishContext } from './import-publish';
import { discardStagingFile, openStagingFile } from './staging-file';

/** Reads of the live registry an import makes while it stages (WAL readers take no lock). */
export interface RegistryReads {
  readonly exists: (serial: string) => boolean;
  readonly ownerOfPublicId: (publicId: string) => string | undefined;
}

/**
 * One import, staged in a private scratch file beside the registry: each token is validated,
 * sealed and written there as it arrives, so the registry's write lock is not taken at all while
 * the file is read (a running daemon keeps writing counters meanwhile). commit() publishes every
 * staged token in one short transaction (import-publish.ts); rollback(), or any error from add(),
 * deletes the scratch file and leaves the registry as it was.
 */
export class SqliteImportSession implements ImportSession {
  private open = true;
  private readonly staging: Database.Database;
  private readonly insert: Database.Statement<[Record<string, unknown>]>;
  private readonly stagedOwnerOfPublicId: Database.Statement<[string, string], string>;
  private readonly stagedOrigin: Database.Statement<[string], string>;
  private readonly counts: Database.Statement<[], { existed: number; total: number }>;

  constructor(
    private readonly stagingPath: string,
    private readonly reads: RegistryReads,
    private readonly cipher: SeedCipher,
    private readonly clock: Clock,
    private readonly options: ImportOptions,
    private readonly path: string,
    private readonly publish: (summary: PublishContext) => Promise<ImportSummary>,
    /** Called once the session has ended, either way. */
    private readonly onEnd: () => void,
  ) {
    try {
      this.staging = openStagingFile(stagingPath, STAGING_SCHEMA);
      this.insert = this.staging.prepare(
        `INSERT OR REPLACE INTO staged (serial, kind, algorithm, digits, period, counter, drift,
           public_id, imported_at, key_id, seed_nonce, seed_ct, origin, existed)
         VALUES (@serial, @kind, @algorithm, @digits, @period, @counter, @drift, @publicId,
           @at, @keyId, @nonce, @ciphertext, @origin, @existed)`,
      );
      this.stagedOwnerOfPublicId = this.staging
        .prepare<[string, string], string>(
          'SELECT serial FROM staged WHERE public_id = ? AND serial != ?',
        )
        .pluck();
      this.stagedOrigin = this.staging
        .prepare<[string], string>('SELECT origin FROM staged WHERE serial = ?')
        .pluck();
      this.counts = this.staging.prepare(
        'SELECT coalesce(sum(existed), 0) AS existed, count(*) AS total FROM staged',
      );
      this.staging.exec('BEGIN');
    } catch (err) {
      this.discard();
      throw asStoreError(err, path);
    }
  }

  async add(token: ImportedToken): Promise<void> {
    this.assertOpen();
    try {
      this.stage(token);
    } catch (err) {
      this.end();
      throw asStoreError(err, this.path);
    }
  }

  async commit(): Promise<ImportSummary> {
    this.assertOpen();
    try {
      const { existed, total } = this.counts.get()!;
      if (this.options.dryRun) {
        return { added: total - existed, replaced: existed, dryRun: true };
      }
      this.staging.exec('COMMIT');
      this.staging.close();
      return await this.publish({
        stagingPath: this.stagingPath,
        options: this.options,
        at: this.clock.now(),
      });
    } catch (err) {
      throw asStoreError(err, this.path);
    } finally {
      this.end();
    }
  }

  async rollback(): Promise<void> {
    if (this.open) this.end();
  }

  private stage(token: ImportedToken): void {
    validateImportedToken(token);
    const existed = this.reads.exists(token.serial);
    checkSerialFree(
      token,
      { inRegistry: existed, firstAt: this.stagedOrigin.get(token.serial) },
      this.options,
    );
    if (token.publicId !== undefined)
      checkPublicIdFree(
        token,
        this.reads.ownerOfPublicId(token.publicId) ??
          this.stagedOwnerOfPublicId.get(token.publicId, token.serial),
      );
    const plaintext = packSecret(token);
    const sealed = this.cipher.seal(token.serial, plaintext);
    plaintext.fill(0);
    this.insert.run({
      serial: token.serial,
      kind: token.kind,
      algorithm: token.algorithm,
      digits: token.digits,
      period: token.period,
      counter: token.counter ?? 0,
      drift: token.drift ?? 0,
      publicId: token.publicId ?? null,
      at: this.clock.now(),
      keyId: sealed.keyId,
      nonce: sealed.nonce,
      ciphertext: sealed.ciphertext,
      origin: token.origin,
      existed: existed ? 1 : 0,
    });
  }

  private end(): void {
    this.open = false;
    this.discard();
    this.onEnd();
  }

  private discard(): void {
    discardStagingFile(this.staging, this.stagingPath);
  }

  private assertOpen(): void {
    if (!this.open) {
      throw new StoreError(
        ErrorCode.STORE_IO,
        'import session is already committed or rolled back',
      );
    }
  }
}
