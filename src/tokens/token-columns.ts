import type { Digits, HashAlgorithm, Period } from '../otp';
import type { SealedSeed } from './seed-cipher';
import type { TokenKind, TokenRecord } from './types';

/**
 * The columns of a `tokens` row both stores share, as their drivers return them (snake_case,
 * BIGINT as numbers). Only the paired user's column is named differently (`user` in SQLite,
 * `user_name` in PostgreSQL, where USER is reserved), so each store's row adds its own.
 */
export interface TokenColumns {
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
  imported_at: number;
  paired_at: number | null;
  last_used_at: number | null;
  fail_count: number;
  locked_until: number | null;
  lock_count: number;
  key_id: string;
}

/** The sealed secret's columns. */
export interface SealedColumns {
  seed_nonce: Buffer;
  seed_ct: Buffer;
}

/** A row's record, given the paired user from the store's own column. */
export function recordOfColumns(row: TokenColumns, user: string | null): TokenRecord {
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
    user,
    importedAt: row.imported_at,
    pairedAt: row.paired_at,
    lastUsedAt: row.last_used_at,
    failCount: row.fail_count,
    lockedUntil: row.locked_until,
    lockCount: row.lock_count,
    keyId: row.key_id,
  };
}

export function sealedOfColumns(row: Pick<TokenColumns, 'key_id'> & SealedColumns): SealedSeed {
  return { keyId: row.key_id, nonce: row.seed_nonce, ciphertext: row.seed_ct };
}
