/**
 * The one order serials are listed and paged in, by every store and every command: shorter
 * serials first, then character by character by code point (bytewise; serials are ASCII). For the
 * digits-only serials of YubiKeys and most vendors that is their numeric order (4242 before
 * 100001, without leading zeros), `t2` comes before `t10`, and serials of one length sort as text.
 * `tokens list --after S` pages on it: the rows that sort after S.
 */
export function compareSerials(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The same order in SQL, for SQLite and PostgreSQL alike: `length(serial)`, then `serial` compared
 * bytewise (SQLite's default BINARY collation; in PostgreSQL the column is `COLLATE "C"`).
 */
export const SERIAL_ORDER_SQL = 'length(serial), serial';

/** The rows after the serial bound to `param` (e.g. `?1`, `$1`) in that order; '' is before all. */
export function serialsAfterSql(param: string): string {
  return `(length(serial), serial) > (length(${param}), ${param})`;
}
