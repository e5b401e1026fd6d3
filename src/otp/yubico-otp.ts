import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';
import {
  crc16ResidueOk,
  isModhex,
  modhexDecode,
  modhexEncode,
  parsePasscode,
  ValidationError,
  YUBICO_PUBLIC_ID_MAX_CHARS,
} from '../core';
import { assertAesKey, assertYubicoParams, assertYubicoState } from './params';
import type {
  VerifyResult,
  YubicoDecodeResult,
  YubicoParams,
  YubicoState,
  YubicoTicketFields,
} from './types';
import { packTicket, unpackTicket } from './yubico-ticket';

const AES_128_ECB = 'aes-128-ecb'; // one block, no IV

/**
 * Decodes a Yubico OTP: `[public id][32 modhex chars]`, read by the one passcode parser (so caps
 * lock and Dvorak-typed input are repaired first). The last 32 characters are one AES-128-ECB block whose CRC must leave
 * the good residue; a wrong key shows up as a CRC failure.
 */
export function decodeYubicoOtp(otp: string, aesKey: Uint8Array): YubicoDecodeResult {
  assertAesKey(aesKey);
  const parsed = typeof otp === 'string' ? parsePasscode(otp) : undefined;
  if (parsed?.format !== 'yubico') return { ok: false, reason: 'malformed' };
  const ticket = aes128EcbDecrypt(aesKey, modhexDecode(parsed.token));
  if (!crc16ResidueOk(ticket)) return { ok: false, reason: 'crc' };
  return { ok: true, publicId: parsed.publicId, ...unpackTicket(ticket) };
}

/**
 * Accepts a Yubico OTP when it decrypts under the token's key, carries the token's private id
 * (compared in constant time), and its (usage, session) pair is strictly greater than the last
 * accepted pair.
 */
export function verifyYubicoOtp(
  params: YubicoParams,
  state: YubicoState,
  otp: string,
): VerifyResult<YubicoState> {
  assertYubicoParams(params);
  assertYubicoState(state);
  const decoded = decodeYubicoOtp(otp, params.aesKey);
  if (!decoded.ok) return { valid: false, reason: 'malformed' };
  const privateId = Buffer.from(decoded.privateId, 'hex');
  if (!timingSafeEqual(privateId, params.privateId)) return { valid: false, reason: 'wrong' };

  const { usage, session } = decoded;
  if (state.usage !== null && state.session !== null) {
    const newer = usage > state.usage || (usage === state.usage && session > state.session);
    if (!newer) return { valid: false, reason: 'replayed' };
  }
  return {
    valid: true,
    matched: usage,
    drift: state.usage === null ? 0 : usage - state.usage,
    next: { usage, session },
  };
}

/**
 * Builds the OTP a token would type for these ticket fields (the CRC is computed). Tests and QA
 * tools use it; a real token does this in firmware.
 */
export function encodeYubicoOtp(
  publicId: string,
  fields: Omit<YubicoTicketFields, 'crc'>,
  aesKey: Uint8Array,
): string {
  assertAesKey(aesKey);
  if (!isModhex(publicId) || publicId.length > YUBICO_PUBLIC_ID_MAX_CHARS) {
    throw new ValidationError(
      `public id: expected up to ${YUBICO_PUBLIC_ID_MAX_CHARS} modhex characters`,
    );
  }
  const cipher = createCipheriv(AES_128_ECB, aesKey, null).setAutoPadding(false);
  const block = Buffer.concat([cipher.update(packTicket(fields)), cipher.final()]);
  return publicId + modhexEncode(block);
}

function aes128EcbDecrypt(key: Uint8Array, block: Uint8Array): Uint8Array {
  const decipher = createDecipheriv(AES_128_ECB, key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([decipher.update(block), decipher.final()]));
}
