import type { AuditEntry, AuditEvent } from '../audit';
import type { SealedSeed } from '../seed-cipher';
import {
  recordOfColumns,
  sealedOfColumns,
  type SealedColumns,
  type TokenColumns,
} from '../token-columns';
import type { TokenRecord } from '../types';

/** A `tokens` row as better-sqlite3 returns it. */
export interface TokenRow extends TokenColumns {
  user: string | null;
}

export interface SealedRow extends TokenRow, SealedColumns {}

/** Every column but the sealed secret: a listing never reads ciphertext it does not need. */
export const RECORD_COLUMNS =
  'serial, kind, algorithm, digits, period, counter, last_step, drift, public_id, yubico_usage, ' +
  'yubico_session, user, imported_at, paired_at, last_used_at, fail_count, locked_until, ' +
  'lock_count, key_id';

export function toRecord(row: TokenRow): TokenRecord {
  return recordOfColumns(row, row.user);
}

export const sealedOf: (row: SealedRow) => SealedSeed = sealedOfColumns;

export interface AuditRow {
  id: number;
  at: number;
  event: AuditEvent;
  serial: string | null;
  user: string | null;
  source: string;
  detail: string;
  node: string;
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    event: row.event,
    serial: row.serial,
    user: row.user,
    source: row.source,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    node: row.node,
  };
}
