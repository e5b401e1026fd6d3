import type { AuditEntry, AuditEvent } from '../audit';
import type { SealedSeed } from '../seed-cipher';
import {
  recordOfColumns,
  sealedOfColumns,
  type SealedColumns,
  type TokenColumns,
} from '../token-columns';
import type { TokenRecord } from '../types';

/** A `tokens` row as node-postgres returns it (BIGINT parsed as numbers, see pg-config.ts). */
export interface PgTokenRow extends TokenColumns {
  user_name: string | null;
}

export interface PgSealedRow extends PgTokenRow, SealedColumns {}

/** A sealed row as a verification reads it, with the revision its compare-and-set names. */
export interface PgLoadedRow extends PgSealedRow {
  revision: number;
}

export interface PgAuditRow {
  id: number;
  at: number;
  event: AuditEvent;
  serial: string | null;
  user_name: string | null;
  source: string;
  detail: Record<string, unknown>;
  node: string;
}

export function toRecord(row: PgTokenRow): TokenRecord {
  return recordOfColumns(row, row.user_name);
}

export const sealedOf: (row: PgSealedRow) => SealedSeed = sealedOfColumns;

export function toAuditEntry(row: PgAuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    event: row.event,
    serial: row.serial,
    user: row.user_name,
    source: row.source,
    detail: row.detail,
    node: row.node,
  };
}

/** The values of a whole token row, in SEALED_COLUMNS order (copy and export). */
export function sealedValues(record: TokenRecord, sealed: SealedSeed): unknown[] {
  return [
    record.serial,
    record.kind,
    record.algorithm,
    record.digits,
    record.period,
    record.counter,
    record.lastStep,
    record.drift,
    record.publicId,
    record.yubicoUsage,
    record.yubicoSession,
    record.user,
    record.importedAt,
    record.pairedAt,
    record.lastUsedAt,
    record.failCount,
    record.lockedUntil,
    record.lockCount,
    sealed.keyId,
    sealed.nonce,
    sealed.ciphertext,
  ];
}
