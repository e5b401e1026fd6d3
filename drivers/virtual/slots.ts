import { modhexEncode } from '../../src/core';
import { encodeTicket, encryptTicket, hotpCode } from './otp-codes';
import type { HotpSlotSpec, YubicoSlotSpec } from './spec';

export const OATH_OMP_YUBICO = 0xe1; // OATH manufacturer prefix of Yubico, typed "ub"
export const OATH_TT_YUBIKEY = 0x63; // OATH token type of the YubiKey, typed "he"
const OATH_MUI_DIGITS = 8; // the serial as 8 BCD digits
const TIMESTAMP_HZ = 8; // the Yubico OTP timestamp ticks at about 8 Hz
const TIMESTAMP_MASK = 0xff_ffff; // 24 bits
const SESSION_COUNTER_MAX = 0xff; // u8; the next press wraps into the usage counter
const USAGE_COUNTER_MAX = 0x7fff; // bit 15 is TICKET_ACT_HIDRPT

/** Randomness seam: n random bytes (node:crypto by default, fixed in tests). */
export type RandomSource = (n: number) => Uint8Array;

/** One programmed slot: produces the text the key types on a press. */
export interface SlotState {
  press(now: number): string;
  /** The key was powered up again (plugged back in). */
  powerUp(now: number): void;
}

/** An OATH-HOTP slot: `[token id]code`, the counter advancing per press. */
export class HotpSlot implements SlotState {
  counter: number;

  constructor(
    private readonly spec: HotpSlotSpec,
    private readonly serial: number,
  ) {
    this.counter = spec.counter;
  }

  press(): string {
    const code = hotpCode(this.spec.secret, this.counter, this.spec.digits);
    this.counter += 1;
    return (this.spec.tokenId ? oathTokenId(this.serial) : '') + code;
  }

  powerUp(): void {
    // The moving factor lives in the slot's flash: nothing changes on power-up.
  }
}

/**
 * The OATH token id as OATH_FIXED_MODHEX2 types it: OMP and TT as modhex ("ubhe"), then the MUI
 * (the serial as 8 BCD digits) as hex digits, which for BCD are the decimal digits themselves.
 */
export function oathTokenId(serial: number): string {
  const prefix = modhexEncode(Uint8Array.of(OATH_OMP_YUBICO, OATH_TT_YUBIKEY));
  return prefix + String(serial).padStart(OATH_MUI_DIGITS, '0');
}

/** A Yubico OTP slot: public id ‖ modhex(AES(ticket)), with usage, session and timestamp. */
export class YubicoSlot implements SlotState {
  usage: number;
  session = 0;
  private timestampBase = 0;
  private poweredAt = 0;

  constructor(
    private readonly spec: YubicoSlotSpec,
    private readonly random: RandomSource,
    now: number,
  ) {
    this.usage = spec.usage;
    this.startTimestamp(now);
  }

  press(now: number): string {
    const elapsed = Math.max(0, now - this.poweredAt);
    const ticket = encodeTicket({
      privateId: this.spec.privateId,
      usageCounter: this.usage,
      timestamp:
        (this.timestampBase + Math.floor((elapsed * TIMESTAMP_HZ) / 1000)) & TIMESTAMP_MASK,
      sessionCounter: this.session,
      random: readU16(this.random(2)),
    });
    if (this.session === SESSION_COUNTER_MAX) {
      this.session = 0;
      this.usage = Math.min(this.usage + 1, USAGE_COUNTER_MAX);
    } else {
      this.session += 1;
    }
    return modhexEncode(this.spec.publicId) + modhexEncode(encryptTicket(this.spec.aesKey, ticket));
  }

  powerUp(now: number): void {
    this.usage = Math.min(this.usage + 1, USAGE_COUNTER_MAX);
    this.session = 0;
    this.startTimestamp(now);
  }

  private startTimestamp(now: number): void {
    // A real key starts its timestamp at a random value on every power-up.
    const bytes = this.random(3);
    this.timestampBase = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16)) & TIMESTAMP_MASK;
    this.poweredAt = now;
  }
}

function readU16(bytes: Uint8Array): number {
  return bytes[0]! | (bytes[1]! << 8);
}
