import { ErrorCode, isModhex, StoreError, YUBICO_PUBLIC_ID_MAX_CHARS } from '../core';
import {
  validateSeed,
  YUBICO_AES_KEY_BYTES,
  YUBICO_PRIVATE_ID_BYTES,
  type HashAlgorithm,
} from '../otp';
import type { TokenSecret } from './store';
import type { ImportedToken, TokenKind } from './types';

/** PingOne's limit: up to 50 characters; we allow the separators seen in vendor serials. */
export const SERIAL_PATTERN = /^[A-Za-z0-9._:-]{1,50}$/;
export const SERIAL_RULE = '1..50 characters of A-Z a-z 0-9 . _ : -';
const ALGORITHMS: readonly HashAlgorithm[] = ['sha1', 'sha256', 'sha512'];
const KINDS: readonly TokenKind[] = ['hotp', 'totp', 'yubico'];
/** A registered Yubico public id is 1..16 bytes of modhex (an empty one would name no token). */
const MAX_PUBLIC_ID_CHARS = YUBICO_PUBLIC_ID_MAX_CHARS;

export function isValidSerial(serial: unknown): serial is string {
  return typeof serial === 'string' && SERIAL_PATTERN.test(serial);
}

/**
 * Checks a token before it is stored; throws StoreError IMPORT_INVALID naming the token's origin and
 * the field. Messages give lengths and rules, never secret bytes.
 */
export function validateImportedToken(token: ImportedToken): void {
  const fail = (message: string): never => {
    throw new StoreError(ErrorCode.IMPORT_INVALID, `${token.origin}: ${message}`);
  };
  if (!isValidSerial(token.serial)) {
    fail(`serial: expected ${SERIAL_RULE}, got ${describe(token.serial)}`);
  }
  if (!KINDS.includes(token.kind))
    fail(`type: expected hotp, totp or yubico, got ${describe(token.kind)}`);
  if (!ALGORITHMS.includes(token.algorithm)) {
    fail(`algorithm: expected sha1, sha256 or sha512, got ${describe(token.algorithm)}`);
  }
  if (token.digits !== 6 && token.digits !== 8)
    fail(`digits: expected 6 or 8, got ${describe(token.digits)}`);
  if (token.period !== 30 && token.period !== 60) {
    fail(`period: expected 30 or 60, got ${describe(token.period)}`);
  }
  if (!(token.secret instanceof Uint8Array)) fail('secret: missing');
  if (token.counter !== undefined && (!Number.isSafeInteger(token.counter) || token.counter < 0)) {
    fail(`counter: expected a non-negative integer, got ${describe(token.counter)}`);
  }
  if (token.drift !== undefined && !Number.isSafeInteger(token.drift)) {
    fail(`drift: expected an integer number of steps, got ${describe(token.drift)}`);
  }
  if (token.kind === 'yubico') {
    if (token.secret.length !== YUBICO_AES_KEY_BYTES) {
      fail(`AES key: expected ${YUBICO_AES_KEY_BYTES} bytes, got ${token.secret.length}`);
    }
    if (
      !(token.privateId instanceof Uint8Array) ||
      token.privateId.length !== YUBICO_PRIVATE_ID_BYTES
    ) {
      fail(
        `private id: expected ${YUBICO_PRIVATE_ID_BYTES} bytes, got ${token.privateId?.length ?? 'none'}`,
      );
    }
    const id = token.publicId;
    if (
      typeof id !== 'string' ||
      id.length === 0 ||
      id.length > MAX_PUBLIC_ID_CHARS ||
      !isModhex(id)
    ) {
      fail(
        `public id: expected 2..${MAX_PUBLIC_ID_CHARS} modhex characters (cbdefghijklnrtuv), got ${describe(id)}`,
      );
    }
    if (token.algorithm !== 'sha1') fail('algorithm: does not apply to Yubico OTP (expected sha1)');
    if (token.counter !== undefined || token.drift !== undefined) {
      fail('counter/drift: do not apply to Yubico OTP');
    }
    return;
  }
  const seed = validateSeed(token.secret);
  if (!seed.ok) fail(seed.message);
  if (token.publicId !== undefined || token.privateId !== undefined) {
    fail(`public/private id: apply to Yubico OTP only, not ${token.kind}`);
  }
  if (token.kind === 'hotp' && token.drift !== undefined && token.drift !== 0) {
    fail('drift: applies to TOTP only');
  }
}

/** The plaintext that is sealed: the secret, then (Yubico) the private id. */
export function packSecret(token: ImportedToken): Buffer {
  return Buffer.concat([token.secret, token.privateId ?? new Uint8Array(0)]);
}

export function unpackSecret(kind: TokenKind, plaintext: Buffer): TokenSecret {
  if (kind === 'yubico') {
    return {
      secret: plaintext.subarray(0, YUBICO_AES_KEY_BYTES),
      privateId: plaintext.subarray(
        YUBICO_AES_KEY_BYTES,
        YUBICO_AES_KEY_BYTES + YUBICO_PRIVATE_ID_BYTES,
      ),
    };
  }
  return { secret: plaintext, privateId: null };
}

/** A short, safe description of a bad value (never a secret: only called for non-secret fields). */
function describe(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 60 ? `"${value.slice(0, 57)}..."` : `"${value}"`;
  return String(value);
}
