import type { Pool, PoolClient, QueryConfig, QueryResultRow } from 'pg';
import type { Logger } from '../../core';
import type { AuditInput } from '../audit';
import type { HealthTracker } from '../health-tracker';
import type { PgConnection } from './pg-connection';
import { asPgStoreError, isUnavailable } from './pg-errors';
import * as SQL from './sql';

/**
 * How the fleet store talks to the server: reads (tried once more on a fresh connection when the
 * first was found dead), single-statement writes (never repeated: a lost reply may hide a commit),
 * and transactions on a connection of their own. Every outcome updates the store's health.
 */
export class PgQueries {
  constructor(
    private readonly connection: PgConnection,
    private readonly health: HealthTracker,
    private readonly logger: Logger,
    private readonly node: string,
  ) {}

  get location(): string {
    return this.connection.location;
  }

  async read<R extends QueryResultRow>(
    query: string | QueryConfig,
    values: unknown[],
  ): Promise<R[]> {
    return this.guard(async () => {
      const pool = await this.connection.get();
      try {
        return (await pool.query<R>(asConfig(query, values))).rows;
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        return (await pool.query<R>(asConfig(query, values))).rows;
      }
    });
  }

  /**
   * One statement, committed when it returns. When the reply is lost the statement may have
   * committed, so the caller gets STORE_UNAVAILABLE ("try again") and a repeat of the same
   * passcode finds out (replayed if it had landed).
   */
  async write(query: string | QueryConfig, values: unknown[]): Promise<QueryResultRow[]> {
    return this.guard(
      async () => (await (await this.connection.get()).query(asConfig(query, values))).rows,
    );
  }

  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.guard(async () => {
      const client = await this.checkout();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        broken = isUnavailable(err);
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw err;
      } finally {
        client.release(broken);
      }
    });
  }

  /**
   * A connection of its own (a transaction, an import, a snapshot). One the server drops while it
   * is checked out reports the error on itself (the pool listens only to idle ones): listened to
   * here, the query in flight fails with it and the process carries on.
   */
  async checkout(): Promise<PoolClient> {
    const pool: Pool = await this.connection.get();
    const client = await pool.connect();
    const onError = (err: Error) =>
      this.logger.warn({ error: err.message }, 'registry connection lost while in use');
    client.on('error', onError);
    const release = client.release.bind(client);
    client.release = (destroy?: boolean | Error) => {
      client.off('error', onError);
      release(destroy);
    };
    return client;
  }

  /** The audit row's values in INSERT_AUDIT order, signed with this node's name. */
  auditValues(entry: AuditInput, at: number): unknown[] {
    return [
      at,
      entry.event,
      entry.serial,
      entry.user,
      entry.source,
      JSON.stringify(entry.detail),
      this.node,
    ];
  }

  async insertAudit(client: PoolClient, entry: AuditInput, at: number): Promise<void> {
    await client.query(asConfig(SQL.INSERT_AUDIT, this.auditValues(entry, at)));
  }

  async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.health.succeeded();
      return result;
    } catch (err) {
      throw this.health.failed(asPgStoreError(err, this.location));
    }
  }
}

export function asConfig(query: string | QueryConfig, values: unknown[]): QueryConfig {
  return typeof query === 'string'
    ? { text: query, values }
    : { name: query.name, text: query.text, values };
}
