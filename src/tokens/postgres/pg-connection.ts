import { Pool, type PoolClient } from 'pg';
import { describeConnection, ErrorCode, StoreError, type Logger } from '../../core';
import { poolConfig, tlsFor, type PgSettings, type TlsChoice } from './pg-config';
import { asPgStoreError, isUnavailable, SSL_REFUSED_MESSAGE } from './pg-errors';

/** After a failed attempt, requests fail at once with its reason for this long, then try again. */
const RETRY_AFTER_MS = 1000;

/** What happens once per pool, on its first connection: migrations and the key check. */
export type OnFirstConnection = (client: PoolClient, location: string) => Promise<void>;

/**
 * The pool and its life: the first connection is made at open, or later when the server was out of
 * reach then (a daemon starts anyway and says why in /healthz); after that node-postgres replaces
 * broken connections by itself, so a restarted server is used again as soon as it is back.
 * `sslmode=prefer` tries TLS and falls back to a plain connection only when the server offers none.
 */
export class PgConnection {
  readonly location: string;
  private pool: Pool | undefined;
  private attempt: Promise<Pool> | undefined;
  private lastFailure: { at: number; error: StoreError } | undefined;
  private closed = false;
  private tls: TlsChoice = false;

  constructor(
    private readonly settings: PgSettings,
    private readonly onFirstConnection: OnFirstConnection,
    private readonly logger: Logger,
  ) {
    this.location = describeConnection(settings.target);
  }

  /** Whether connections use TLS (known once connected). */
  get usesTls(): boolean {
    return this.pool !== undefined && this.tls !== false;
  }

  get ready(): boolean {
    return this.pool !== undefined;
  }

  /** The reason the last attempt failed, while there is no pool. */
  get failure(): StoreError | undefined {
    return this.pool === undefined ? this.lastFailure?.error : undefined;
  }

  /** The pool; connects first when there is none (or fails fast right after a failed attempt). */
  async get(): Promise<Pool> {
    if (this.pool) return this.pool;
    if (this.closed) throw new StoreError(ErrorCode.STORE_IO, `${this.location}: store closed`);
    if (this.attempt) return this.attempt;
    const recent = this.lastFailure;
    if (recent && Date.now() - recent.at < RETRY_AFTER_MS) throw recent.error;
    this.attempt = this.connect().finally(() => (this.attempt = undefined));
    return this.attempt;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.attempt?.catch(() => undefined);
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  private async connect(): Promise<Pool> {
    const tls = tlsFor(this.settings.target);
    try {
      const pool = await this.open(tls).catch(async (err: unknown) => {
        const fallback = this.settings.target.sslmode === 'prefer' && tls !== false;
        if (!fallback || !(err instanceof Error) || !err.message.includes(SSL_REFUSED_MESSAGE))
          throw err;
        this.logger.info({ store: this.location }, 'the server offers no TLS: connecting without');
        return this.open(false);
      });
      if (this.closed) {
        await pool.end();
        throw new StoreError(ErrorCode.STORE_IO, `${this.location}: store closed`);
      }
      this.pool = pool;
      this.lastFailure = undefined;
      this.logger.info({ store: this.location, tls: this.tls !== false }, 'registry connected');
      return pool;
    } catch (err) {
      const error = asPgStoreError(err, this.location) as StoreError;
      this.lastFailure = { at: Date.now(), error };
      if (isUnavailable(error)) {
        this.logger.warn({ store: this.location, error: error.message }, 'registry unreachable');
      }
      throw error;
    }
  }

  private async open(tls: TlsChoice): Promise<Pool> {
    const pool = new Pool(poolConfig(this.settings, tls));
    // An idle connection the server dropped (a restart, pg_terminate_backend) is discarded by the
    // pool; without a listener the error would end the process.
    pool.on('error', (err) =>
      this.logger.warn({ store: this.location, error: err.message }, 'registry connection lost'),
    );
    try {
      const client = await pool.connect();
      try {
        await this.onFirstConnection(client, this.location);
      } finally {
        client.release();
      }
      this.tls = tls;
      return pool;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }
}
