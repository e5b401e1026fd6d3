import type Database from 'better-sqlite3';
import type { AuditEntry, AuditQuery } from '../audit';
import { toAuditEntry, type AuditRow } from './rows';

const DEFAULT_AUDIT_LIMIT = 100;
const MAX_AUDIT_LIMIT = 10_000;

/** Reads the audit table with the query's filters; every value is a bound parameter. */
export function queryAudit(db: Database.Database, query: AuditQuery): AuditEntry[] {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const filter = (column: string, op: string, value: unknown) => {
    if (value === undefined) return;
    where.push(`${column} ${op} @${column}`);
    params[column] = value;
  };
  filter('serial', '=', query.serial);
  filter('user', '=', query.user);
  filter('event', '=', query.event);
  filter('id', '>', query.afterId);
  params.limit = Math.min(Math.max(1, query.limit ?? DEFAULT_AUDIT_LIMIT), MAX_AUDIT_LIMIT);
  const sql =
    'SELECT id, at, event, serial, user, source, detail, node FROM audit' +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY id ${query.newestFirst ? 'DESC' : 'ASC'} LIMIT @limit`;
  return db.prepare<[Record<string, unknown>], AuditRow>(sql).all(params).map(toAuditEntry);
}
