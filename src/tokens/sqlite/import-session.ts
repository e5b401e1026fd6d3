import type Database from 'better-sqlite3';
import { ErrorCode, StoreError, type Clock } from '../../core';
import { ImportRepeats } from '../import-repeats';
import type { SeedCipher } from '../seed-cipher';
import type { ImportedToken, ImportOptions, ImportSession, ImportSummary } from '../types';
import { packSecret, validateImportedToken } from '../validate-token';
import { asStoreError } from './errors';

/** Prepared once per store and reused by every session: a 100,000-token import prepares nothing. */
export interface ImportStatements {
  readonly exists: Database.Statement<[string], number>;
  readonly ownerOfPublicId: Database.Statement<[string], string>;
  readonly insert: Database.Statement<[Record<string, unknown>]>;
  readonly replace: Database.Statement<[Record<string, unknown>]>;
  readonly audit: Database.Statement<[Record<string, unknown>]>;
}

export function prepareImportStatements(db: Database.Database): ImportStatements {
  return {
    exists: db.prepare<[string], number>('SELECT 1 FROM tokens WHERE serial = ?').pluck(),
    ownerOfPublicId: db
      .prepare<[string], string>('SELECT serial FROM tokens WHERE public_id = ?')
      .pluck(),
    insert: db.prepare(
      `INSERT INTO tokens (serial, kind, algorithm, digits, period, counter, drift, public_id,
         imported_at, key_id, seed_nonce, seed_ct)
       VALUES (@serial, @kind, @algorithm, @digits, @period, @counter, @drift, @publicId,
         @at, @keyId, @nonce, @ciphertext)`,
    ),
    // A re-imported serial gets a new secret and fresh state; its pairing stays.
    replace: db.prepare(
      `UPDATE tokens SET kind = @kind, algorithm = @algorithm, digits = @digits, period = @period,
         counter = @counter, last_step = NULL, drift = @drift, public_id = @publicId,
         yubico_usage = NULL, yubico_session = NULL, imported_at = @at, last_used_at = NULL,
         fail_count = 0, locked_until = NULL, lock_count = 0,
         key_id = @keyId, seed_nonce = @nonce, seed_ct = @ciphertext
       WHERE serial = @serial`,
    ),
    audit: db.prepare(
      `INSERT INTO audit (at, event, serial, user, source, detail)
       VALUES (@at, @event, @serial, @user, @source, @detail)`,
    ),
  };
}

/**
 * One import in one IMMEDIATE transaction on its own connection: each token is validated, sealed
 * and written as it arrives, so only the counts live in memory. An error from add() rolls
 * everything back.
 *
 * The connection is the session's alone because an import spans awaits (the file is read between
 * add calls): on a shared connection, a verification in between would run inside the import's
 * transaction, and a rollback would undo its counter. On its own connection a concurrent
 * verification waits for the write lock instead (up to the busy timeout).
 */
export class SqliteImportSession implements ImportSession {
  private added = 0;
  private replaced = 0;
  private readonly repeats = new ImportRepeats();
  private open = true;

  constructor(
    private readonly db: Database.Database,
    private readonly statements: ImportStatements,
    private readonly cipher: SeedCipher,
    private readonly clock: Clock,
    private readonly options: ImportOptions,
    private readonly path: string,
    /** Called once the transaction has ended, either way: closes the connection. */
    private readonly onEnd: () => void,
  ) {
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      onEnd();
      throw asStoreError(err, path);
    }
  }

  add(token: ImportedToken): void {
    this.assertOpen();
    try {
      this.write(token);
    } catch (err) {
      this.abort();
      throw asStoreError(err, this.path);
    }
  }

  commit(): ImportSummary {
    this.assertOpen();
    const summary = { added: this.added, replaced: this.replaced, dryRun: this.options.dryRun };
    try {
      if (this.options.dryRun) {
        this.abort();
        return summary;
      }
      this.statements.audit.run({
        at: this.clock.now(),
        event: 'imported',
        serial: null,
        user: null,
        source: this.options.source,
        detail: JSON.stringify({ added: this.added, replaced: this.replaced }),
      });
      this.db.exec('COMMIT');
      this.open = false;
      this.onEnd();
      return summary;
    } catch (err) {
      this.abort();
      throw asStoreError(err, this.path);
    }
  }

  rollback(): void {
    if (this.open) this.abort();
  }

  private write(token: ImportedToken): void {
    validateImportedToken(token);
    this.repeats.check(token);
    const exists = this.statements.exists.get(token.serial) !== undefined;
    if (exists && !this.options.replace) {
      throw new StoreError(
        ErrorCode.TOKEN_EXISTS,
        `${token.origin}: serial ${token.serial} is already in the registry (use --replace to overwrite it)`,
      );
    }
    if (token.publicId !== undefined) {
      const owner = this.statements.ownerOfPublicId.get(token.publicId);
      if (owner !== undefined && owner !== token.serial) {
        throw new StoreError(
          ErrorCode.TOKEN_EXISTS,
          `${token.origin}: public id ${token.publicId} already belongs to token ${owner}`,
        );
      }
    }
    const plaintext = packSecret(token);
    const sealed = this.cipher.seal(token.serial, plaintext);
    plaintext.fill(0);
    const row = {
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
    };
    if (exists) {
      this.statements.replace.run(row);
      this.replaced++;
    } else {
      this.statements.insert.run(row);
      this.added++;
    }
  }

  private abort(): void {
    this.open = false;
    try {
      if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
    } finally {
      this.onEnd();
    }
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
