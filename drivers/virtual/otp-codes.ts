import { createCipheriv, createHmac } from 'node:crypto';
import { appendComplementedCrc } from '../../src/core';

/** RFC 4226 HOTP: HMAC-SHA1 over the 8-byte big-endian counter, dynamic truncation, decimal digits. */
export function hotpCode(secret: Uint8Array, counter: number, digits: 6 | 8): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f; // RFC 4226 5.3: low nibble of the last byte
  const binary = mac.readUInt32BE(offset) & 0x7fff_ffff; // drop the sign bit
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The 16-byte Yubico OTP plaintext (ticket_st), little-endian fields (reference A3). */
export interface YubicoTicket {
  readonly privateId: Uint8Array; // 6 bytes
  readonly usageCounter: number; // u16, 15 bits used
  readonly timestamp: number; // 24 bits, ~8 Hz since plug-in
  readonly sessionCounter: number; // u8
  readonly random: number; // u16
}

export const TICKET_SIZE = 16; // one AES block
const TICKET_CRC_OFFSET = 14; // ~crc16 of the first 14 bytes, little-endian

export function encodeTicket(ticket: YubicoTicket): Uint8Array {
  const body = new Uint8Array(TICKET_CRC_OFFSET);
  const view = new DataView(body.buffer);
  body.set(ticket.privateId.subarray(0, 6), 0); // uid
  view.setUint16(6, ticket.usageCounter & 0xffff, true); // useCtr
  view.setUint16(8, ticket.timestamp & 0xffff, true); // tstpl
  body[10] = (ticket.timestamp >>> 16) & 0xff; // tstph
  body[11] = ticket.sessionCounter & 0xff; // sessionCtr
  view.setUint16(12, ticket.random & 0xffff, true); // rnd
  return appendComplementedCrc(body);
}

/** AES-128-ECB of exactly one block: the encrypted part of a Yubico OTP. */
export function encryptTicket(aesKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-128-ecb', aesKey, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final()]));
}
