import type { TokenState } from '../store';
import type { PgLoadedRow } from './pg-rows';

/** How many tokens a node keeps in memory; the least recently verified beyond it are dropped. */
export const ROW_CACHE_TOKENS = 4096;

/**
 * The sealed rows this node last read or wrote, by serial, so a verification needs one round trip
 * (its compare-and-set) instead of two. The seed stays sealed in memory as in the database. A copy
 * can be stale (another node moved the token): that is safe because the compare-and-set names the
 * revision the copy was read at, and every decision other than an advance is taken again on a
 * fresh read (the verifier's rule). Writes through this node drop the copy they make stale.
 */
export class PgRowCache {
  private readonly rows = new Map<string, PgLoadedRow>();
  /** Each user's serials, as the registry last listed them, for a sign-on by user name. */
  private readonly users = new Map<string, readonly string[]>();

  constructor(private readonly capacity = ROW_CACHE_TOKENS) {}

  get(serial: string): PgLoadedRow | undefined {
    const row = this.rows.get(serial);
    if (row) {
      // Map order is insertion order: re-inserting marks it the most recently used.
      this.rows.delete(serial);
      this.rows.set(serial, row);
    }
    return row;
  }

  set(row: PgLoadedRow): void {
    this.rows.delete(row.serial);
    this.rows.set(row.serial, row);
    if (this.rows.size > this.capacity) {
      const oldest = this.rows.keys().next();
      if (!oldest.done) this.rows.delete(oldest.value);
    }
  }

  /**
   * After this node's advance from `readAt` landed as `revision`: the copy read at `readAt` takes
   * the state the statement wrote; a copy of any other revision is dropped.
   */
  advanced(
    serial: string,
    readAt: number | undefined,
    revision: number,
    next: TokenState,
    at: number,
  ): void {
    const row = this.rows.get(serial);
    if (!row || readAt === undefined || row.revision !== readAt) {
      this.rows.delete(serial);
      return;
    }
    // The copy is this cache's own (load hands out records built from it), so it takes the new
    // state in place: a verification allocates no second row.
    row.counter = next.counter;
    row.last_step = next.lastStep;
    row.drift = next.drift;
    row.yubico_usage = next.yubicoUsage;
    row.yubico_session = next.yubicoSession;
    row.fail_count = 0;
    row.lock_count = 0;
    row.locked_until = null;
    row.last_used_at = at;
    row.revision = revision;
    this.set(row);
  }

  forget(serial: string): void {
    this.rows.delete(serial);
  }

  clear(): void {
    this.rows.clear();
    this.users.clear();
  }

  /** What the registry just listed as `user`'s tokens. */
  rememberUser(user: string, serials: readonly string[]): void {
    this.users.delete(user);
    this.users.set(user, serials);
    if (this.users.size > this.capacity) {
      const oldest = this.users.keys().next();
      if (!oldest.done) this.users.delete(oldest.value);
    }
  }

  forgetUser(user: string): void {
    this.users.delete(user);
  }

  /**
   * `user`'s tokens from memory: the rows of the serials last listed for them, while every one is
   * here and still says it is theirs; undefined otherwise (ask the registry). Possibly stale in
   * the ways every copy here may be (see the class comment), and missing a token paired since.
   */
  rowsOfUser(user: string): PgLoadedRow[] | undefined {
    const serials = this.users.get(user);
    if (!serials) return undefined;
    const rows: PgLoadedRow[] = [];
    for (const serial of serials) {
      const row = this.rows.get(serial);
      if (!row || row.user_name !== user) return undefined;
      rows.push(row);
    }
    return rows;
  }

  get size(): number {
    return this.rows.size;
  }
}
