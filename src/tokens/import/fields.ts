import { isModhex, YUBICO_PUBLIC_ID_MAX_CHARS } from '../../core';
import { validateSeed, YUBICO_AES_KEY_BYTES, YUBICO_PRIVATE_ID_BYTES } from '../../otp';
import type { Digits, HashAlgorithm, Period } from '../../otp';
import { ImportError } from './errors';

/**
 * Field checks shared by every importer. Each takes the location for its error and names the field;
 * none of them ever puts a secret's characters into a message (only its length).
 */

/**
 * The registry's serial rule (PingOne allows 50 characters; vendor serials use . _ : -), checked
 * here too so that a bad serial is reported with its line before anything reaches the store.
 */
export const MAX_SERIAL_CHARS = 50;
const SERIAL_PATTERN = /^[A-Za-z0-9._:-]+$/;

export function parseSerial(text: string | undefined, location: string): string {
  const serial = (text ?? '').trim();
  if (serial === '') throw new ImportError(location, 'serial: missing');
  if (serial.length > MAX_SERIAL_CHARS) {
    throw new ImportError(
      location,
      `serial: expected at most ${MAX_SERIAL_CHARS} characters, got ${serial.length}`,
    );
  }
  if (!SERIAL_PATTERN.test(serial)) {
    throw new ImportError(location, 'serial: expected only the characters A-Z a-z 0-9 . _ : -');
  }
  return serial;
}

/** Hex with optional spaces between byte pairs (some tools group them); returns the bytes. */
export function parseHexBytes(
  text: string | undefined,
  location: string,
  what: string,
): Uint8Array {
  const clean = (text ?? '').replace(/[\s:]/g, '');
  if (clean === '') throw new ImportError(location, `${what}: missing`);
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(clean)) {
    throw new ImportError(
      location,
      `${what}: expected hex digits in pairs, got ${clean.length} characters that are not`,
    );
  }
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

/** An HOTP/TOTP seed: hex, 10..64 bytes (the engine's limits). */
export function parseHexSeed(text: string | undefined, location: string): Uint8Array {
  return checkSeed(parseHexBytes(text, location, 'seed'), location);
}

export function checkSeed(seed: Uint8Array, location: string): Uint8Array {
  const checked = validateSeed(seed);
  if (!checked.ok) throw new ImportError(location, checked.message);
  return seed;
}

export function parseAesKey(text: string | undefined, location: string): Uint8Array {
  const key = parseHexBytes(text, location, 'AES key');
  if (key.length !== YUBICO_AES_KEY_BYTES) {
    throw new ImportError(
      location,
      `AES key: expected ${YUBICO_AES_KEY_BYTES} bytes, got ${key.length}`,
    );
  }
  return key;
}

export function parsePrivateId(text: string | undefined, location: string): Uint8Array {
  const id = parseHexBytes(text, location, 'private id');
  if (id.length !== YUBICO_PRIVATE_ID_BYTES) {
    throw new ImportError(
      location,
      `private id: expected ${YUBICO_PRIVATE_ID_BYTES} bytes, got ${id.length}`,
    );
  }
  return id;
}

/** A Yubico public id: 1..16 bytes of modhex. */
export function parsePublicId(text: string | undefined, location: string): string {
  const id = (text ?? '').trim().toLowerCase();
  if (id === '') throw new ImportError(location, 'public id: missing');
  if (!isModhex(id) || id.length > YUBICO_PUBLIC_ID_MAX_CHARS) {
    throw new ImportError(
      location,
      `public id: expected 2..${YUBICO_PUBLIC_ID_MAX_CHARS} modhex characters (cbdefghijklnrtuv), got "${id}"`,
    );
  }
  return id;
}

export function parseDigits(text: string | undefined, location: string): Digits {
  const t = (text ?? '').trim();
  if (t === '6' || t === '8') return Number(t) as Digits;
  throw new ImportError(location, `digits: expected 6 or 8, got "${t}"`);
}

export function parsePeriod(text: string | undefined, location: string): Period {
  const t = (text ?? '').trim();
  if (t === '30' || t === '60') return Number(t) as Period;
  throw new ImportError(location, `period: expected 30 or 60 seconds, got "${t}"`);
}

export function parseCounter(text: string | undefined, location: string, what = 'counter'): number {
  const t = (text ?? '').trim();
  const n = /^\d{1,16}$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new ImportError(location, `${what}: expected a non-negative integer, got "${t}"`);
  }
  return n;
}

const HASHES: readonly HashAlgorithm[] = ['sha1', 'sha256', 'sha512'];

export function parseHash(text: string | undefined, location: string): HashAlgorithm {
  const t = (text ?? '').trim().toLowerCase().replace('-', '');
  if ((HASHES as readonly string[]).includes(t)) return t as HashAlgorithm;
  throw new ImportError(location, `hash: expected sha1, sha256 or sha512, got "${text ?? ''}"`);
}

export function isHashName(text: string): boolean {
  return (HASHES as readonly string[]).includes(text.trim().toLowerCase().replace('-', ''));
}

/** privacyIDEA and LinOTP pick the hash from the seed length when no column names it. */
export function hashForSeedLength(bytes: number): HashAlgorithm {
  if (bytes === 32) return 'sha256';
  if (bytes === 64) return 'sha512';
  return 'sha1';
}
