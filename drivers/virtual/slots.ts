import { createHmac } from 'node:crypto';
import { modhexEncode } from '../../src/core';
import { encodeTicket, encryptTicket, hotpCode } from './otp-codes';
import {
  hmacKeyOf,
  hmacMessageOf,
  hotpDigitsOf,
  initialMovingFactor,
  modeOf,
  type SlotConfig,
  type SlotMode,
  tokenIdText,
  type TypingLayout,
  typingLayoutOf,
} from './slot-model';

const TIMESTAMP_HZ = 8; // the Yubico OTP timestamp ticks at about 8 Hz
const TIMESTAMP_MASK = 0xff_ffff; // 24 bits
const SESSION_COUNTER_MAX = 0xff; // u8; the next press wraps into the usage counter
const USAGE_COUNTER_MAX = 0x7fff; // bit 15 is TICKET_ACT_HIDRPT
/** A freshly written Yubico OTP slot's usage counter (it counts power-ups from there). */
export const FIRST_USAGE_COUNTER = 1;

/** Randomness seam: n random bytes (node:crypto by default, fixed in tests). */
export type RandomSource = (n: number) => Uint8Array;

/** The counters a slot moves; they live in the key's flash (and the token's state file). */
export interface SlotCounters {
  /** OATH-HOTP moving factor of the next press. */
  readonly counter: number;
  /** Yubico OTP (and its challenge-response) usage and session counters. */
  readonly usage: number;
  readonly session: number;
}

/** What one press types: the text (tabs included) and how it is typed. */
export interface Typed {
  readonly text: string;
  readonly layout: TypingLayout;
}

/**
 * One programmed slot at run time: its configuration, the counters it moves, and what a press or a
 * challenge makes of them.
 */
export class ProgrammedSlot {
  readonly mode: SlotMode;
  counter: number;
  usage: number;
  session: number;
  private timestampBase = 0;
  private poweredAt = 0;

  constructor(
    readonly config: SlotConfig,
    private readonly random: RandomSource,
    now: number,
    counters?: SlotCounters,
  ) {
    this.mode = modeOf(config.fields);
    this.counter = counters?.counter ?? initialMovingFactor(config.fields);
    this.usage = counters?.usage ?? FIRST_USAGE_COUNTER;
    this.session = counters?.session ?? 0;
    this.startTimestamp(now);
  }

  get counters(): SlotCounters {
    return { counter: this.counter, usage: this.usage, session: this.session };
  }

  /** The keystrokes of a touch; undefined for a slot that types nothing (challenge-response). */
  press(now: number): Typed | undefined {
    const fields = this.config.fields;
    const layout = typingLayoutOf(fields);
    let fixed: string;
    let otp: string;
    switch (this.mode) {
      case 'hotp':
        fixed = tokenIdText(fields);
        otp = hotpCode(hmacKeyOf(this.config), this.counter, hotpDigitsOf(fields));
        this.counter += 1;
        break;
      case 'yubico-otp':
        fixed = modhexEncode(fields.fixed);
        otp = modhexEncode(this.ticket(fields.uid, now));
        break;
      default:
        return undefined;
    }
    const text =
      (layout.tabFirst ? '\t' : '') +
      fixed +
      (layout.tabAfterFixed ? '\t' : '') +
      otp +
      (layout.tabAfterOtp ? '\t' : '');
    return { text, layout };
  }

  /** HMAC-SHA1 challenge-response over the 64-byte (padded) challenge. */
  hmac(challenge: Uint8Array): Uint8Array {
    const message = hmacMessageOf(this.config, challenge);
    return new Uint8Array(createHmac('sha1', hmacKeyOf(this.config)).update(message).digest());
  }

  /**
   * Yubico OTP challenge-response: a ticket carrying the 6-byte challenge where a typed OTP carries
   * the private id, encrypted under the slot's AES key, the counters moving as for a press.
   * [unverified: which ticket field real firmware puts the challenge in; the uid field here.]
   */
  yubicoChallenge(challenge: Uint8Array, now: number): Uint8Array {
    return this.ticket(challenge, now);
  }

  /** The key was powered up again (plugged back in). */
  powerUp(now: number): void {
    if (this.mode === 'yubico-otp' || this.mode === 'yubico-challenge') {
      this.usage = Math.min(this.usage + 1, USAGE_COUNTER_MAX);
      this.session = 0;
    }
    this.startTimestamp(now);
  }

  private ticket(uid: Uint8Array, now: number): Uint8Array {
    const elapsed = Math.max(0, now - this.poweredAt);
    const plain = encodeTicket({
      privateId: uid,
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
    return encryptTicket(this.config.fields.key, plain);
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
