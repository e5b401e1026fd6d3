import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { ImportError } from '../errors';

/**
 * The cryptography RFC 6030 uses for encrypted seeds: XML Encryption AES-CBC with the IV prepended
 * to the ciphertext, an HMAC over IV || ciphertext under a MAC key that travels encrypted under the
 * same key, and PBKDF2 for password-derived keys. Pure functions over bytes.
 */
const AES_BLOCK_BYTES = 16; // the CBC IV is one block

export interface CipherSpec {
  readonly nodeName: string;
  readonly keyBytes: number;
}

/** xenc EncryptionMethod Algorithm URIs we decrypt (W3C XML Encryption 1.0, section 5.2.2). */
export const CIPHERS: Readonly<Record<string, CipherSpec>> = {
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc': { nodeName: 'aes-128-cbc', keyBytes: 16 },
  'http://www.w3.org/2001/04/xmlenc#aes192-cbc': { nodeName: 'aes-192-cbc', keyBytes: 24 },
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc': { nodeName: 'aes-256-cbc', keyBytes: 32 },
};

/** HMAC algorithm URIs (XML Signature, and RFC 6931 "xmldsig-more") for MACMethod and PBKDF2 PRF. */
export const HMACS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#hmac-sha1': 'sha1',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha224': 'sha224',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha384': 'sha384',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha512': 'sha512',
};

/** PBKDF2's PRF when the PRF element names none (PKCS #5 v2.0). */
export const DEFAULT_PRF = 'sha1';
/** More would let a hostile file stall the import for minutes. */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;

/**
 * AES-CBC decryption of IV || ciphertext with PKCS#7 padding (XML Encryption pads the same way for
 * every byte string we carry). A wrong key almost always shows up as bad padding; the caller says
 * which key was wrong.
 */
export function decryptCbc(
  cipher: CipherSpec,
  key: Uint8Array,
  ivAndCiphertext: Uint8Array,
  location: string,
  wrongKeyHint: string,
): Uint8Array {
  if (key.length !== cipher.keyBytes) {
    throw new ImportError(
      location,
      `${cipher.nodeName} needs a ${cipher.keyBytes}-byte key, the encryption key has ${key.length} bytes`,
    );
  }
  const n = ivAndCiphertext.length;
  if (n < 2 * AES_BLOCK_BYTES || n % AES_BLOCK_BYTES !== 0) {
    throw new ImportError(
      location,
      `CipherValue: expected IV and whole AES blocks, got ${n} bytes`,
    );
  }
  try {
    const decipher = createDecipheriv(
      cipher.nodeName,
      key,
      ivAndCiphertext.subarray(0, AES_BLOCK_BYTES),
    );
    const body = ivAndCiphertext.subarray(AES_BLOCK_BYTES);
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch (err) {
    throw new ImportError(location, `cannot decrypt: ${wrongKeyHint}`, { cause: err });
  }
}

/** Constant-time check of an HMAC over IV || ciphertext. */
export function macMatches(
  hash: string,
  macKey: Uint8Array,
  ivAndCiphertext: Uint8Array,
  expected: Uint8Array,
): boolean {
  const actual = createHmac(hash, macKey).update(ivAndCiphertext).digest();
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function pbkdf2(
  password: string,
  salt: Uint8Array,
  iterations: number,
  keyBytes: number,
  prf: string,
): Uint8Array {
  return new Uint8Array(pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, keyBytes, prf));
}

/** Strict base64: whitespace is ignored (PSKC files wrap long values), anything else refused. */
export function decodeBase64(text: string | undefined, location: string): Uint8Array {
  const clean = (text ?? '').replace(/\s+/g, '');
  if (clean === '') throw new ImportError(location, 'missing value');
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(clean)) {
    throw new ImportError(location, 'expected base64');
  }
  return new Uint8Array(Buffer.from(clean, 'base64'));
}
