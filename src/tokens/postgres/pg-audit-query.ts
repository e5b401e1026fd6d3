import type { Pool } from 'pg';
import type { AuditEntry, AuditQuery } from '../audit';
import { toAuditEntry, type PgAuditRow } from './pg-rows';
import { AUDIT_COLUMNS } from './sql';

const DEFAULT_AUDIT_LIMIT = 100;
const MAX_AUDIT_LIMIT = 10_000;

/** Reads the audit table with the query's filters; every value is a bound parameter. */
export async function queryPgAudit(pool: Pool, query: AuditQuery): Promise<AuditEntry[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  const filter = (column: string, op: string, value: unknown) => {
    if (value === undefined) return;
    values.push(value);
    where.push(`${column} ${op} $${values.length}`);
  };
  filter('serial', '=', query.serial);
  filter('user_name', '=', query.user);
  filter('event', '=', query.event);
  filter('id', '>', query.afterId);
  values.push(Math.min(Math.max(1, query.limit ?? DEFAULT_AUDIT_LIMIT), MAX_AUDIT_LIMIT));
  const text =
    `SELECT id, ${AUDIT_COLUMNS} FROM audit` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY id ${query.newestFirst ? 'DESC' : 'ASC'} LIMIT $${values.length}`;
  const { rows } = await pool.query<PgAuditRow>({ text, values });
  return rows.map(toAuditEntry);
}
