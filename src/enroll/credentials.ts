import { randomBytes, createHmac, timingSafeEqual } from 'node:crypto';
import { modhexEncode, NO_ACCESS_CODE } from '../core';
import { generateHotp, verifyYubicoOtp } from '../otp';
import type { ImportedToken } from '../tokens';
import { yubicoImportedToken } from '../tokens/import';
import type { OtpEvent } from '../devices';
import {
  hmacChallengeSlotConfig,
  hotpSlotConfig,
  oathTokenId,
  yubicoOtpSlotConfig,
} from '../yubikey';
import type { EnrollRequest, NewCredential } from './types';

/** n random bytes; crypto.randomBytes unless a test injects its own. */
export type RandomBytes = (n: number) => Uint8Array;
export const cryptoRandom: RandomBytes = (n) => new Uint8Array(randomBytes(n));

export const HOTP_SEED_BYTES = 20; // what a slot holds: key[16] ‖ uid[0..3]
export const AES_KEY_BYTES = 16;
export const PRIVATE_ID_BYTES = 6;
export const CHALLENGE_BYTES = 32; // the read-back challenge of a challenge-response slot

/** A credential made for one key, with the configuration that carries it. Memory only. */
export interface Material {
  readonly credential: NewCredential;
  readonly config: Uint8Array;
}

/**
 * The new credential and its slot configuration. The Yubico OTP public id is derived from the
 * serial (modhex of ff 00 ‖ serial), as `ykman otp yubiotp --serial-public-id` does.
 */
export function newMaterial(request: EnrollRequest, serial: number, random: RandomBytes): Material {
  const accessCode = request.accessCode ?? NO_ACCESS_CODE;
  const base = { serial: String(serial), slot: request.slot, kind: request.kind, counter: 0 };
  switch (request.kind) {
    case 'hotp': {
      const secret = random(HOTP_SEED_BYTES);
      return {
        credential: { ...base, secret, digits: request.digits },
        config: hotpSlotConfig({
          secret,
          digits: request.digits,
          accessCode,
          ...(request.tokenId ? { tokenId: oathTokenId(serial) } : {}),
        }),
      };
    }
    case 'yubiotp': {
      const secret = random(AES_KEY_BYTES);
      const privateId = random(PRIVATE_ID_BYTES);
      const publicId = serialPublicId(serial);
      return {
        credential: {
          ...base,
          secret,
          digits: 6,
          publicId: modhexEncode(publicId),
          privateId,
        },
        config: yubicoOtpSlotConfig({ publicId, privateId, aesKey: secret, accessCode }),
      };
    }
    case 'chalresp': {
      const secret = random(HOTP_SEED_BYTES);
      return {
        credential: { ...base, secret, digits: 6 },
        config: hmacChallengeSlotConfig({ secret, accessCode }),
      };
    }
  }
}

/** ff 00 ‖ serial, big-endian: YubiCloud's "vv" prefix for a public id derived from a serial. */
export function serialPublicId(serial: number): Uint8Array {
  const id = new Uint8Array(6);
  id[0] = 0xff;
  new DataView(id.buffer).setUint32(2, serial, false);
  return id;
}

/**
 * Whether the first OTP the key typed is the one its new credential gives: the HOTP code of
 * counter 0 (and the token id, when flagged), or a Yubico OTP that decrypts under the new key with
 * the new private id behind the right public id.
 */
export function firstOtpMatches(
  credential: NewCredential,
  otp: OtpEvent,
  tokenId: boolean,
): boolean {
  if (credential.kind === 'hotp') {
    if (otp.format !== 'oath-hotp') return false;
    const expected = generateHotp(
      { secret: credential.secret, algorithm: 'sha1', digits: credential.digits },
      0,
    );
    const expectedId = tokenId ? oathTokenIdText(Number(credential.serial)) : undefined;
    return otp.otp === expected && otp.tokenId === expectedId;
  }
  if (credential.kind === 'yubiotp') {
    if (otp.format !== 'yubico' || otp.publicId !== credential.publicId) return false;
    const verdict = verifyYubicoOtp(
      { aesKey: credential.secret, privateId: credential.privateId! },
      { usage: null, session: null },
      otp.otp,
    );
    return verdict.valid;
  }
  return false;
}

/** The read-back of a challenge-response slot: its answer to a random challenge. */
export function hmacMatches(
  secret: Uint8Array,
  challenge: Uint8Array,
  response: Uint8Array,
): boolean {
  const expected = createHmac('sha1', secret).update(challenge).digest();
  return expected.length === response.length && timingSafeEqual(expected, response);
}

/** The registry record of a verified OTP credential (challenge-response has none). */
export function recordOf(credential: NewCredential, origin: string): ImportedToken | null {
  if (credential.kind === 'hotp') {
    return {
      serial: credential.serial,
      kind: 'hotp',
      algorithm: 'sha1',
      digits: credential.digits,
      period: 30,
      secret: credential.secret,
      counter: 0,
      origin,
    };
  }
  if (credential.kind === 'yubiotp') {
    return yubicoImportedToken(
      credential.serial,
      credential.publicId!,
      credential.privateId!,
      credential.secret,
      origin,
    );
  }
  return null;
}

/** How a key types its OATH token id with OATH_FIXED_MODHEX2: ubhe, then the serial's 8 digits. */
export function oathTokenIdText(serial: number): string {
  const id = oathTokenId(serial);
  return modhexEncode(id.subarray(0, 2)) + Buffer.from(id.subarray(2)).toString('hex');
}
