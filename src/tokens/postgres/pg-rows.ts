import type { Digits, HashAlgorithm, Period } from '../../otp';
import type { AuditEntry, AuditEvent } from '../audit';
import type { SealedSeed } from '../seed-cipher';
import type { TokenKind, TokenRecord } from '../types';

/** A `tokens` row as node-postgres returns it (BIGINT parsed as numbers, see pg-config.ts). */
export interface PgTokenRow {
  serial: string;
  kind: TokenKind;
  algorithm: HashAlgorithm;
  digits: Digits;
  period: Period;
  counter: number;
  last_step: number | null;
  drift: number;
  public_id: string | null;
  yubico_usage: number | null;
  yubico_session: number | null;
  user_name: string | null;
  imported_at: number;
  paired_at: number | null;
  last_used_at: number | null;
  fail_count: number;
  locked_until: number | null;
  lock_count: number;
  key_id: string;
}

export interface PgSealedRow extends PgTokenRow {
  seed_nonce: Buffer;
  seed_ct: Buffer;
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
  return {
    serial: row.serial,
    kind: row.kind,
    algorithm: row.algorithm,
    digits: row.digits,
    period: row.period,
    counter: row.counter,
    lastStep: row.last_step,
    drift: row.drift,
    publicId: row.public_id,
    yubicoUsage: row.yubico_usage,
    yubicoSession: row.yubico_session,
    user: row.user_name,
    importedAt: row.imported_at,
    pairedAt: row.paired_at,
    lastUsedAt: row.last_used_at,
    failCount: row.fail_count,
    lockedUntil: row.locked_until,
    lockCount: row.lock_count,
    keyId: row.key_id,
  };
}

export function sealedOf(row: PgSealedRow): SealedSeed {
  return { keyId: row.key_id, nonce: row.seed_nonce, ciphertext: row.seed_ct };
}

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
