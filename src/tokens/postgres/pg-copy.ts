import type { PoolClient, QueryResultRow } from 'pg';
import { ErrorCode, StoreError } from '../../core';
import type { AuditEntry } from '../audit';
import type { CopySession, CopySummary, RegistrySnapshot, StoredToken } from '../registry';
import { asPgStoreError } from './pg-errors';
import {
  sealedOf,
  sealedValues,
  toAuditEntry,
  toRecord,
  type PgAuditRow,
  type PgSealedRow,
} from './pg-rows';
import { AUDIT_COLUMNS, SEALED_COLUMNS } from './sql';

/** Rows read per query while exporting, and sent per INSERT while copying in. */
const PAGE = 500;
const TOKEN_WIDTH = 21;
const AUDIT_WIDTH = 8;

const TOKEN_PAGE = `SELECT ${SEALED_COLUMNS} FROM tokens WHERE serial > $1 ORDER BY serial LIMIT $2`;
const AUDIT_PAGE = `SELECT id, ${AUDIT_COLUMNS} FROM audit WHERE id > $1 ORDER BY id LIMIT $2`;
const CREATE_INCOMING = `
  CREATE TEMP TABLE tb_incoming_tokens (LIKE tokens INCLUDING DEFAULTS);
  CREATE TEMP TABLE tb_incoming_audit (src_id BIGINT PRIMARY KEY, at BIGINT, event TEXT,
    serial TEXT, user_name TEXT, source TEXT, detail JSONB, node TEXT)`;
const DROP_INCOMING =
  'DROP TABLE IF EXISTS pg_temp.tb_incoming_tokens; DROP TABLE IF EXISTS pg_temp.tb_incoming_audit';
const CLASH = `SELECT i.serial FROM tb_incoming_tokens i JOIN tokens t
  ON t.serial = i.serial OR (i.public_id IS NOT NULL AND t.public_id = i.public_id) LIMIT 1`;
const PUBLISH_TOKENS = `INSERT INTO tokens (${SEALED_COLUMNS}) SELECT ${SEALED_COLUMNS} FROM tb_incoming_tokens`;
const PUBLISH_AUDIT = `INSERT INTO audit (${AUDIT_COLUMNS})
  SELECT ${AUDIT_COLUMNS} FROM tb_incoming_audit ORDER BY src_id`;

/**
 * A consistent read of the fleet registry: one REPEATABLE READ, READ ONLY transaction on a
 * connection of its own, so every page comes from the same moment while the fleet keeps
 * verifying (MVCC: the readers block no writer).
 */
export async function openPgSnapshot(
  client: PoolClient,
  location: string,
): Promise<RegistrySnapshot> {
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  } catch (err) {
    client.release(true);
    throw asPgStoreError(err, location);
  }
  let open = true;
  return {
    tokens: () => exportPgTokens(client, location),
    audit: () => exportPgAudit(client, location),
    close: async () => {
      if (!open) return;
      open = false;
      let broken = false;
      await client.query('COMMIT').catch(() => (broken = true));
      client.release(broken);
    },
  };
}

async function* exportPgTokens(client: PoolClient, location: string): AsyncIterable<StoredToken> {
  let after = '';
  for (;;) {
    const rows = await page<PgSealedRow>(client, location, TOKEN_PAGE, after);
    if (rows.length === 0) return;
    for (const row of rows) yield { record: toRecord(row), sealed: sealedOf(row) };
    after = rows[rows.length - 1]!.serial;
  }
}

async function* exportPgAudit(client: PoolClient, location: string): AsyncIterable<AuditEntry> {
  let after = 0;
  for (;;) {
    const rows = await page<PgAuditRow>(client, location, AUDIT_PAGE, after);
    if (rows.length === 0) return;
    for (const row of rows) yield toAuditEntry(row);
    after = rows[rows.length - 1]!.id;
  }
}

async function page<R extends QueryResultRow>(
  client: PoolClient,
  location: string,
  text: string,
  after: unknown,
): Promise<R[]> {
  try {
    return (await client.query<R>(text, [after, PAGE])).rows;
  } catch (err) {
    throw asPgStoreError(err, location);
  }
}

/**
 * Receives a registry (`store copy`) on a connection of its own: rows go to temporary tables, then
 * one transaction refuses the whole copy when a serial or public id is already in the fleet, or
 * inserts every token (state and sealed seed as they were) and every audit row (their time, node
 * and source kept; new ids after the fleet's own).
 */
export class PgCopySession implements CopySession {
  private open = true;
  private tokens: unknown[][] = [];
  private audit: unknown[][] = [];

  private constructor(
    private readonly client: PoolClient,
    private readonly location: string,
    private readonly onEnd: () => void,
  ) {}

  static async begin(
    client: PoolClient,
    location: string,
    onEnd: () => void,
  ): Promise<PgCopySession> {
    try {
      await client.query(DROP_INCOMING);
      await client.query(CREATE_INCOMING);
      return new PgCopySession(client, location, onEnd);
    } catch (err) {
      client.release(true);
      onEnd();
      throw err;
    }
  }

  async addToken(token: StoredToken): Promise<void> {
    this.assertOpen();
    this.tokens.push(sealedValues(token.record, token.sealed));
    if (this.tokens.length >= PAGE) await this.guarded(() => this.flushTokens());
  }

  async addAudit(entry: AuditEntry): Promise<void> {
    this.assertOpen();
    this.audit.push([
      entry.id,
      entry.at,
      entry.event,
      entry.serial,
      entry.user,
      entry.source,
      JSON.stringify(entry.detail),
      entry.node,
    ]);
    if (this.audit.length >= PAGE) await this.guarded(() => this.flushAudit());
  }

  async commit(): Promise<CopySummary> {
    this.assertOpen();
    try {
      await this.flushTokens();
      await this.flushAudit();
      await this.client.query('BEGIN');
      try {
        const clash = (await this.client.query<{ serial: string }>(CLASH)).rows[0];
        if (clash) {
          throw new StoreError(
            ErrorCode.TOKEN_EXISTS,
            `token ${clash.serial} (or its public id) is already in the destination registry: nothing was copied`,
          );
        }
        const tokens = (await this.client.query(PUBLISH_TOKENS)).rowCount ?? 0;
        const audit = (await this.client.query(PUBLISH_AUDIT)).rowCount ?? 0;
        await this.client.query('COMMIT');
        return { tokens, audit };
      } catch (err) {
        await this.client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } catch (err) {
      throw asPgStoreError(err, this.location);
    } finally {
      await this.end();
    }
  }

  async rollback(): Promise<void> {
    if (this.open) await this.end();
  }

  private async flushTokens(): Promise<void> {
    const rows = this.tokens;
    this.tokens = [];
    if (rows.length > 0) {
      await this.client.query(
        `INSERT INTO tb_incoming_tokens (${SEALED_COLUMNS}) VALUES ${placeholders(rows.length, TOKEN_WIDTH)}`,
        rows.flat(),
      );
    }
  }

  private async flushAudit(): Promise<void> {
    const rows = this.audit;
    this.audit = [];
    if (rows.length > 0) {
      await this.client.query(
        `INSERT INTO tb_incoming_audit (src_id, ${AUDIT_COLUMNS}) VALUES ${placeholders(rows.length, AUDIT_WIDTH)}`,
        rows.flat(),
      );
    }
  }

  private async guarded(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      await this.end();
      throw asPgStoreError(err, this.location);
    }
  }

  private async end(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    let discard = false;
    await this.client.query(DROP_INCOMING).catch(() => (discard = true));
    this.client.release(discard);
    this.onEnd();
  }

  private assertOpen(): void {
    if (!this.open) {
      throw new StoreError(ErrorCode.STORE_IO, 'copy session is already committed or rolled back');
    }
  }
}

function placeholders(rows: number, width: number): string {
  return Array.from(
    { length: rows },
    (_, i) => `(${Array.from({ length: width }, (_, j) => `$${i * width + j + 1}`).join(', ')})`,
  ).join(', ');
}
