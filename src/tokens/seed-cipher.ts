import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ErrorCode, StoreError } from '../core';
import type { SeedKey } from './seed-key';

const AES_256_GCM = 'aes-256-gcm';
export const SEED_NONCE_BYTES = 12; // GCM's native nonce size: a fresh random one per record
const GCM_TAG_BYTES = 16;
/** Versioned domain label at the front of the AAD. */
const AAD_LABEL = 'tokenbridge seed v1';

/** An encrypted secret as stored: `ciphertext` carries the GCM tag at its end. */
export interface SealedSeed {
  readonly keyId: string;
  readonly nonce: Buffer;
  readonly ciphertext: Buffer;
}

/**
 * AES-256-GCM for seeds at rest. The AAD binds each ciphertext to its serial and key id, so a
 * ciphertext copied to another row (or relabelled with another key id) fails authentication.
 */
export class SeedCipher {
  constructor(private readonly seedKey: SeedKey) {}

  get keyId(): string {
    return this.seedKey.keyId;
  }

  seal(serial: string, plaintext: Uint8Array): SealedSeed {
    const nonce = randomBytes(SEED_NONCE_BYTES);
    const cipher = createCipheriv(AES_256_GCM, this.seedKey.key, nonce, {
      authTagLength: GCM_TAG_BYTES,
    });
    cipher.setAAD(aad(serial, this.keyId));
    const body = cipher.update(plaintext);
    const final = cipher.final();
    return {
      keyId: this.keyId,
      nonce,
      ciphertext: Buffer.concat([body, final, cipher.getAuthTag()]),
    };
  }

  /** The plaintext; the caller wipes it (`fill(0)`) when done. */
  open(serial: string, sealed: SealedSeed): Buffer {
    if (sealed.keyId !== this.keyId) {
      throw new StoreError(
        ErrorCode.KEY_FILE,
        `token ${serial} is encrypted under key ${sealed.keyId}, but the key in ${this.seedKey.path} is ${this.keyId}: use the right --key-file`,
      );
    }
    if (sealed.nonce.length !== SEED_NONCE_BYTES || sealed.ciphertext.length < GCM_TAG_BYTES) {
      throw new StoreError(
        ErrorCode.STORE_CORRUPT,
        `token ${serial}: the stored seed is truncated`,
      );
    }
    const tagAt = sealed.ciphertext.length - GCM_TAG_BYTES;
    const decipher = createDecipheriv(AES_256_GCM, this.seedKey.key, sealed.nonce, {
      authTagLength: GCM_TAG_BYTES,
    });
    decipher.setAAD(aad(serial, sealed.keyId));
    decipher.setAuthTag(sealed.ciphertext.subarray(tagAt));
    const body = decipher.update(sealed.ciphertext.subarray(0, tagAt));
    try {
      return Buffer.concat([body, decipher.final()]);
    } catch (err) {
      body.fill(0);
      throw new StoreError(
        ErrorCode.CRYPTO,
        `token ${serial}: the stored seed fails authentication (altered, or moved from another row)`,
        { cause: err },
      );
    }
  }
}

function aad(serial: string, keyId: string): Buffer {
  return Buffer.from(`${AAD_LABEL}\0${serial}\0${keyId}`, 'utf8');
}
