import type { Digits, HashAlgorithm, Period } from '../otp/types';

export type TokenKind = 'hotp' | 'totp' | 'yubico';

/**
 * A token as the registry returns it. It never carries the seed: secrets stay inside the store and
 * are decrypted only for the duration of one verification.
 */
export interface TokenRecord {
  readonly serial: string;
  readonly kind: TokenKind;
  readonly algorithm: HashAlgorithm;
  readonly digits: Digits;
  readonly period: Period;
  /** HOTP: next expected counter. */
  readonly counter: number;
  /** TOTP: last accepted step (null if none) and learned drift in steps. */
  readonly lastStep: number | null;
  readonly drift: number;
  /** Yubico OTP: public id (modhex) and last accepted usage/session counters. */
  readonly publicId: string | null;
  readonly yubicoUsage: number | null;
  readonly yubicoSession: number | null;
  /** The user the token is paired to, if any. */
  readonly user: string | null;
  readonly importedAt: number; // ms since epoch
  readonly pairedAt: number | null;
  readonly lastUsedAt: number | null;
  readonly failCount: number;
  readonly lockedUntil: number | null;
  /** How many times it has been locked in a row; the lockout grows with it. */
  readonly lockCount: number;
  /** Which seed key encrypts this record's secret. */
  readonly keyId: string;
}

/** One token as an importer produces it, secret in the clear, before it is encrypted and stored. */
export interface ImportedToken {
  readonly serial: string;
  readonly kind: TokenKind;
  readonly algorithm: HashAlgorithm;
  readonly digits: Digits;
  readonly period: Period;
  /** HOTP/TOTP seed, 10-64 bytes; Yubico: the 16-byte AES key. */
  readonly secret: Uint8Array;
  readonly counter?: number;
  readonly drift?: number;
  readonly publicId?: string;
  /** Yubico: 6-byte private id. */
  readonly privateId?: Uint8Array;
  /** Where the importer found it ('line 12', 'KeyPackage #3'), for error messages. */
  readonly origin: string;
}

export interface ImportOptions {
  /** Overwrite tokens whose serial already exists (otherwise the whole import fails). */
  readonly replace: boolean;
  /** Check everything, change nothing. */
  readonly dryRun: boolean;
  /** Recorded in the audit table: the file name and format. */
  readonly source: string;
}

export interface ImportSummary {
  readonly added: number;
  readonly replaced: number;
  readonly dryRun: boolean;
}

/**
 * A streaming, all-or-nothing import: tokens are added one at a time as a file is parsed (so a
 * 100,000-line file is never held as records). Nothing is visible to the registry's readers, and
 * nothing holds the registry's write lock for long, until commit() publishes every token at once;
 * rollback() (or any error from add) discards them all. Asynchronous, because a server database
 * answers over the network and a staging area is written in batches.
 */
export interface ImportSession {
  add(token: ImportedToken): Promise<void>;
  commit(): Promise<ImportSummary>;
  rollback(): Promise<void>;
}
