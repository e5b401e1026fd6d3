import type { PoolClient } from 'pg';
import { ErrorCode, StoreError, type Clock } from '../../core';
import type { SeedCipher } from '../seed-cipher';
import type { ImportedToken, ImportOptions, ImportSession, ImportSummary } from '../types';
import { checkPublicIdFree, checkSerialFree } from '../import-repeats';
import { packSecret, validateImportedToken } from '../validate-token';
import { asPgStoreError } from './pg-errors';
import * as SQL from './sql';

/** Staged rows sent per INSERT: 14 parameters each, well under PostgreSQL's 65,535. */
const STAGE_BATCH = 500;
const STAGED_COLUMNS =
  'serial, kind, algorithm, digits, period, counter, drift, public_id, imported_at, key_id, seed_nonce, seed_ct, origin, existed';
const STAGED_WIDTH = 14;

const CREATE_STAGING = `CREATE TEMP TABLE tb_staged (
    serial TEXT COLLATE "C" PRIMARY KEY, kind TEXT, algorithm TEXT, digits INTEGER, period INTEGER,
    counter BIGINT, drift INTEGER, public_id TEXT, imported_at BIGINT, key_id TEXT,
    seed_nonce BYTEA, seed_ct BYTEA, origin TEXT, existed BOOLEAN)`;
const DROP_STAGING = 'DROP TABLE IF EXISTS pg_temp.tb_staged';
const KNOWN_TOKENS = 'SELECT serial, public_id FROM tokens';
const FIRST_CLASH = `SELECT s.origin, s.serial FROM tb_staged s JOIN tokens t ON t.serial = s.serial
  ORDER BY s.origin LIMIT 1`;
const PUBLIC_ID_CLASH = `SELECT s.origin, s.public_id, t.serial AS owner FROM tb_staged s
  JOIN tokens t ON t.public_id = s.public_id AND t.serial <> s.serial LIMIT 1`;
const COUNT_REPLACED = `SELECT count(*)::bigint AS n FROM tb_staged s
  WHERE EXISTS (SELECT 1 FROM tokens t WHERE t.serial = s.serial)`;
const COUNT_STAGED =
  'SELECT count(*)::bigint AS n, count(*) FILTER (WHERE existed)::bigint AS existed FROM tb_staged';
// A re-imported serial gets a new secret and fresh state; its pairing stays.
const REPLACE_EXISTING = `UPDATE tokens t SET kind = s.kind, algorithm = s.algorithm,
    digits = s.digits, period = s.period, counter = s.counter, last_step = NULL, drift = s.drift,
    public_id = s.public_id, yubico_usage = NULL, yubico_session = NULL,
    imported_at = s.imported_at, last_used_at = NULL, fail_count = 0, locked_until = NULL,
    lock_count = 0, key_id = s.key_id, seed_nonce = s.seed_nonce, seed_ct = s.seed_ct
  FROM tb_staged s WHERE t.serial = s.serial`;
const INSERT_NEW = `INSERT INTO tokens (serial, kind, algorithm, digits, period, counter, drift,
    public_id, imported_at, key_id, seed_nonce, seed_ct)
  SELECT serial, kind, algorithm, digits, period, counter, drift, public_id, imported_at, key_id,
    seed_nonce, seed_ct FROM tb_staged s
  WHERE NOT EXISTS (SELECT 1 FROM tokens t WHERE t.serial = s.serial)`;

export interface PgImportContext {
  readonly node: string;
  readonly location: string;
  readonly onEnd: () => void;
}

/**
 * One import on one connection of its own: tokens are validated and sealed here and sent in
 * batches to a temporary table that only this connection sees, so nothing in the registry is
 * locked while the file is read. commit() publishes them in one transaction (two set-based
 * statements and the audit row); a dropped connection takes the temporary table with it, and the
 * registry never saw any of it.
 */
export class PgImportSession implements ImportSession {
  private open = true;
  private batch: unknown[][] = [];
  /** Each staged serial, with the origin of its first record. */
  private readonly stagedSerials = new Map<string, string>();
  private readonly stagedPublicIds = new Map<string, string>();

  private constructor(
    private readonly client: PoolClient,
    private readonly cipher: SeedCipher,
    private readonly clock: Clock,
    private readonly options: ImportOptions,
    private readonly context: PgImportContext,
    private readonly registrySerials: ReadonlySet<string>,
    private readonly registryPublicIds: ReadonlyMap<string, string>,
  ) {}

  static async begin(
    client: PoolClient,
    cipher: SeedCipher,
    clock: Clock,
    options: ImportOptions,
    context: PgImportContext,
  ): Promise<PgImportSession> {
    try {
      await client.query(DROP_STAGING);
      await client.query(CREATE_STAGING);
      const serials = new Set<string>();
      const publicIds = new Map<string, string>();
      for (const row of (
        await client.query<{ serial: string; public_id: string | null }>(KNOWN_TOKENS)
      ).rows) {
        serials.add(row.serial);
        if (row.public_id !== null) publicIds.set(row.public_id, row.serial);
      }
      return new PgImportSession(client, cipher, clock, options, context, serials, publicIds);
    } catch (err) {
      client.release(true);
      context.onEnd();
      throw err;
    }
  }

  async add(token: ImportedToken): Promise<void> {
    this.assertOpen();
    try {
      this.stage(token);
      if (this.batch.length >= STAGE_BATCH) await this.flush();
    } catch (err) {
      await this.end(true);
      throw asPgStoreError(err, this.context.location);
    }
  }

  async commit(): Promise<ImportSummary> {
    this.assertOpen();
    try {
      await this.flush();
      if (this.options.dryRun) {
        const counts = (await this.client.query<{ n: number; existed: number }>(COUNT_STAGED))
          .rows[0]!;
        return { added: counts.n - counts.existed, replaced: counts.existed, dryRun: true };
      }
      return await this.publish();
    } catch (err) {
      throw asPgStoreError(err, this.context.location);
    } finally {
      await this.end(false);
    }
  }

  async rollback(): Promise<void> {
    if (this.open) await this.end(false);
  }

  private stage(token: ImportedToken): void {
    validateImportedToken(token);
    const existed = this.registrySerials.has(token.serial);
    checkSerialFree(
      token,
      { inRegistry: existed, firstAt: this.stagedSerials.get(token.serial) },
      this.options,
    );
    if (token.publicId !== undefined) {
      checkPublicIdFree(
        token,
        this.registryPublicIds.get(token.publicId) ?? this.stagedPublicIds.get(token.publicId),
      );
      this.stagedPublicIds.set(token.publicId, token.serial);
    }
    if (!this.stagedSerials.has(token.serial)) this.stagedSerials.set(token.serial, token.origin);
    const plaintext = packSecret(token);
    const sealed = this.cipher.seal(token.serial, plaintext);
    plaintext.fill(0);
    this.batch.push([
      token.serial,
      token.kind,
      token.algorithm,
      token.digits,
      token.period,
      token.counter ?? 0,
      token.drift ?? 0,
      token.publicId ?? null,
      this.clock.now(),
      sealed.keyId,
      sealed.nonce,
      sealed.ciphertext,
      token.origin,
      existed,
    ]);
  }

  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    // A serial staged twice in one batch (with --replace) keeps its last row.
    const rows = [...new Map(this.batch.map((r) => [r[0], r])).values()];
    this.batch = [];
    const placeholders = rows
      .map(
        (_, i) =>
          `(${Array.from({ length: STAGED_WIDTH }, (_, j) => `$${i * STAGED_WIDTH + j + 1}`).join(', ')})`,
      )
      .join(', ');
    const excluded = STAGED_COLUMNS.split(', ')
      .filter((c) => c !== 'serial')
      .map((c) => `${c} = EXCLUDED.${c}`)
      .join(', ');
    await this.client.query(
      `INSERT INTO tb_staged (${STAGED_COLUMNS}) VALUES ${placeholders}
       ON CONFLICT (serial) DO UPDATE SET ${excluded}`,
      rows.flat(),
    );
  }

  private async publish(): Promise<ImportSummary> {
    const { client, options } = this;
    await client.query('BEGIN');
    try {
      if (!options.replace) {
        const clash = (await client.query<{ origin: string; serial: string }>(FIRST_CLASH)).rows[0];
        if (clash) {
          throw new StoreError(
            ErrorCode.TOKEN_EXISTS,
            `${clash.origin}: serial ${clash.serial} is already in the registry (use --replace to overwrite it)`,
          );
        }
      }
      const owned = (
        await client.query<{ origin: string; public_id: string; owner: string }>(PUBLIC_ID_CLASH)
      ).rows[0];
      if (owned) {
        throw new StoreError(
          ErrorCode.TOKEN_EXISTS,
          `${owned.origin}: public id ${owned.public_id} already belongs to token ${owned.owner}`,
        );
      }
      const replaced = (await client.query<{ n: number }>(COUNT_REPLACED)).rows[0]!.n;
      const total = (await client.query<{ n: number }>(COUNT_STAGED)).rows[0]!.n;
      if (replaced > 0) await client.query(REPLACE_EXISTING);
      await client.query(INSERT_NEW);
      const added = total - replaced;
      await client.query(SQL.INSERT_AUDIT.text, [
        this.clock.now(),
        'imported',
        null,
        null,
        options.source,
        JSON.stringify({ added, replaced }),
        this.context.node,
      ]);
      await client.query('COMMIT');
      return { added, replaced, dryRun: false };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  private async end(broken: boolean): Promise<void> {
    if (!this.open) return;
    this.open = false;
    let discard = broken;
    await this.client.query(DROP_STAGING).catch(() => (discard = true));
    this.client.release(discard);
    this.context.onEnd();
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
