import { crc16 } from '../core';
import type { YubicoTicketFields } from './types';

/**
 * The 16-byte Yubico OTP ticket (yubico-c `yubikey_token_st`), all integers little-endian. It is
 * encrypted as one AES-128-ECB block.
 */
export const TICKET_BYTES = 16; // one AES block
export const TICKET_PRIVATE_ID_OFFSET = 0; // 6 bytes: private (secret) id
export const TICKET_PRIVATE_ID_BYTES = 6;
export const TICKET_USAGE_OFFSET = 6; // u16: usage counter (power-ups), bit 15 a flag
export const TICKET_TIMESTAMP_LOW_OFFSET = 8; // u16: low 16 bits of the ~8 Hz timer
export const TICKET_TIMESTAMP_HIGH_OFFSET = 10; // u8: high 8 bits of the timer
export const TICKET_SESSION_OFFSET = 11; // u8: presses since power-up
export const TICKET_RANDOM_OFFSET = 12; // u16: random
export const TICKET_CRC_OFFSET = 14; // u16: ~CRC-16 over bytes 0..13
export const TICKET_USAGE_HIDRPT_FLAG = 0x8000; // triggered by a caps/num/scroll-lock report
export const TICKET_USAGE_MASK = 0x7fff; // the counter proper

export function unpackTicket(ticket: Uint8Array): YubicoTicketFields {
  const view = new DataView(ticket.buffer, ticket.byteOffset, ticket.byteLength);
  const usageField = view.getUint16(TICKET_USAGE_OFFSET, true);
  return {
    privateId: Buffer.from(
      ticket.subarray(TICKET_PRIVATE_ID_OFFSET, TICKET_PRIVATE_ID_OFFSET + TICKET_PRIVATE_ID_BYTES),
    ).toString('hex'),
    usage: usageField & TICKET_USAGE_MASK,
    session: view.getUint8(TICKET_SESSION_OFFSET),
    timestampLow: view.getUint16(TICKET_TIMESTAMP_LOW_OFFSET, true),
    timestampHigh: view.getUint8(TICKET_TIMESTAMP_HIGH_OFFSET),
    random: view.getUint16(TICKET_RANDOM_OFFSET, true),
    crc: view.getUint16(TICKET_CRC_OFFSET, true),
    triggeredByHidReport: (usageField & TICKET_USAGE_HIDRPT_FLAG) !== 0,
  };
}

/** The ticket bytes for these fields; the CRC is computed, `fields.crc` is ignored. */
export function packTicket(fields: Omit<YubicoTicketFields, 'crc'>): Uint8Array {
  const ticket = new Uint8Array(TICKET_BYTES);
  const view = new DataView(ticket.buffer);
  ticket.set(Buffer.from(fields.privateId, 'hex').subarray(0, TICKET_PRIVATE_ID_BYTES));
  const flag = fields.triggeredByHidReport ? TICKET_USAGE_HIDRPT_FLAG : 0;
  view.setUint16(TICKET_USAGE_OFFSET, (fields.usage & TICKET_USAGE_MASK) | flag, true);
  view.setUint16(TICKET_TIMESTAMP_LOW_OFFSET, fields.timestampLow, true);
  view.setUint8(TICKET_TIMESTAMP_HIGH_OFFSET, fields.timestampHigh);
  view.setUint8(TICKET_SESSION_OFFSET, fields.session);
  view.setUint16(TICKET_RANDOM_OFFSET, fields.random, true);
  view.setUint16(TICKET_CRC_OFFSET, ~crc16(ticket.subarray(0, TICKET_CRC_OFFSET)) & 0xffff, true);
  return ticket;
}
