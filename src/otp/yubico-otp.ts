import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';
import {
  crc16ResidueOk,
  isModhex,
  ValidationError,
  modhexDecode,
  modhexEncode,
  repairDvorakModhex,
} from '../core';
import { assertAesKey, assertYubicoParams, assertYubicoState } from './params';
import type {
  VerifyResult,
  YubicoDecodeResult,
  YubicoParams,
  YubicoState,
  YubicoTicketFields,
} from './types';
import { packTicket, TICKET_BYTES, unpackTicket } from './yubico-ticket';

const TICKET_MODHEX_CHARS = 2 * TICKET_BYTES; // the encrypted ticket, always last
const MAX_PUBLIC_ID_CHARS = 32; // public id: 0..16 bytes
const AES_128_ECB = 'aes-128-ecb'; // one block, no IV

/**
 * Decodes a Yubico OTP: `[public id][32 modhex chars]`. Uppercase (caps lock) and Dvorak-typed
 * input are repaired first. The last 32 characters are one AES-128-ECB block whose CRC must leave
 * the good residue; a wrong key shows up as a CRC failure.
 */
export function decodeYubicoOtp(otp: string, aesKey: Uint8Array): YubicoDecodeResult {
  assertAesKey(aesKey);
  if (typeof otp !== 'string') return { ok: false, reason: 'malformed' };
  const text = repairDvorakModhex(otp.toLowerCase());
  if (
    text.length < TICKET_MODHEX_CHARS ||
    text.length > TICKET_MODHEX_CHARS + MAX_PUBLIC_ID_CHARS ||
    !isModhex(text)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const publicId = text.slice(0, text.length - TICKET_MODHEX_CHARS);
  const ticket = aes128EcbDecrypt(aesKey, modhexDecode(text.slice(publicId.length)));
  if (!crc16ResidueOk(ticket)) return { ok: false, reason: 'crc' };
  return { ok: true, publicId, ...unpackTicket(ticket) };
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
  if (!isModhex(publicId) || publicId.length > MAX_PUBLIC_ID_CHARS) {
    throw new ValidationError(`public id: expected up to ${MAX_PUBLIC_ID_CHARS} modhex characters`);
  }
  const cipher = createCipheriv(AES_128_ECB, aesKey, null).setAutoPadding(false);
  const block = Buffer.concat([cipher.update(packTicket(fields)), cipher.final()]);
  return publicId + modhexEncode(block);
}

function aes128EcbDecrypt(key: Uint8Array, block: Uint8Array): Uint8Array {
  const decipher = createDecipheriv(AES_128_ECB, key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([decipher.update(block), decipher.final()]));
}
