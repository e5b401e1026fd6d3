import type { Digits, HashAlgorithm, Period } from '../../otp';
import type { AuditEntry, AuditEvent } from '../audit';
import type { SealedSeed } from '../seed-cipher';
import type { TokenKind, TokenRecord } from '../types';

/** A `tokens` row as better-sqlite3 returns it. */
export interface TokenRow {
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
  user: string | null;
  imported_at: number;
  paired_at: number | null;
  last_used_at: number | null;
  fail_count: number;
  locked_until: number | null;
  lock_count: number;
  key_id: string;
}

export interface SealedRow extends TokenRow {
  seed_nonce: Buffer;
  seed_ct: Buffer;
}

/** Every column but the sealed secret: a listing never reads ciphertext it does not need. */
export const RECORD_COLUMNS =
  'serial, kind, algorithm, digits, period, counter, last_step, drift, public_id, yubico_usage, ' +
  'yubico_session, user, imported_at, paired_at, last_used_at, fail_count, locked_until, ' +
  'lock_count, key_id';

export function toRecord(row: TokenRow): TokenRecord {
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
    user: row.user,
    importedAt: row.imported_at,
    pairedAt: row.paired_at,
    lastUsedAt: row.last_used_at,
    failCount: row.fail_count,
    lockedUntil: row.locked_until,
    lockCount: row.lock_count,
    keyId: row.key_id,
  };
}

export function sealedOf(row: SealedRow): SealedSeed {
  return { keyId: row.key_id, nonce: row.seed_nonce, ciphertext: row.seed_ct };
}

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
