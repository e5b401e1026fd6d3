import { timingSafeEqual } from 'node:crypto';
import { dynamicTruncate, type CryptoPlugin } from '@otplib/core';
import { NODE_CRYPTO } from './otplib-config';
import type { HotpParams } from './types';

const COUNTER_BYTES = 8; // RFC 4226: the counter is hashed as 8 bytes, big-endian
const TWO_POW_32 = 0x1_0000_0000;
const ASCII_ZERO = 0x30;
const DIGITS_MODULUS: Readonly<Record<number, number>> = { 6: 1e6, 8: 1e8 };

/** A passcode of this token's shape: exactly `digits` ASCII digits. */
export function isWellFormedPasscode(otp: unknown, digits: number): otp is string {
  return typeof otp === 'string' && otp.length === digits && /^[0-9]+$/.test(otp);
}

/**
 * Computes the codes of a run of counters and compares each against the given passcodes.
 *
 * otplib's per-code generator re-validates and re-normalises its options on every call (about 3x
 * the cost of the HMAC itself, see `npm run bench -- otp`), outside the 2x budget. So the
 * loop calls the otplib crypto plugin and otplib's dynamic truncation directly; the unit tests check
 * every code against otplib's own generator.
 *
 * Every candidate is compared with timingSafeEqual. `scan` never exits early, so its time does not
 * depend on where (or whether) a passcode matched. `firstMatch` stops at a match: a miss still costs
 * the whole run, so the time says no more than the answer does (a passcode that matches is
 * accepted, and where it matched, its drift, is nothing its holder does not know already).
 */
export class PasscodeScanner {
  private readonly counterBytes = new Uint8Array(COUNTER_BYTES);
  private readonly counterView = new DataView(this.counterBytes.buffer);

  constructor(private readonly crypto: CryptoPlugin = NODE_CRYPTO) {}

  /**
   * For each passcode, the counters in [from, from + count) whose code equals it, ascending.
   * Passcodes must already be well formed (`digits` ASCII digits).
   */
  scan(params: HotpParams, passcodes: readonly string[], from: number, count: number): number[][] {
    const wanted = passcodes.map((p) => Buffer.from(p, 'latin1'));
    const matches = passcodes.map((): number[] => []);
    const candidate = Buffer.alloc(params.digits);
    const modulus = DIGITS_MODULUS[params.digits]!;
    const end = Math.min(from + count, Number.MAX_SAFE_INTEGER + 1);
    for (let counter = Math.max(0, from); counter < end; counter++) {
      writeDigits(candidate, this.truncatedCode(params, counter) % modulus);
      for (let i = 0; i < wanted.length; i++) {
        // Recording a match is the only branch; the comparison itself always runs.
        if (timingSafeEqual(wanted[i]!, candidate)) matches[i]!.push(counter);
      }
    }
    return matches;
  }

  /**
   * The lowest counter in [from, from + count) whose code equals `passcode`, or undefined; the
   * same answer as `scan(...)[0][0]`, without computing the codes after a match.
   */
  firstMatch(
    params: HotpParams,
    passcode: string,
    from: number,
    count: number,
  ): number | undefined {
    const wanted = Buffer.from(passcode, 'latin1');
    const candidate = Buffer.alloc(params.digits);
    const modulus = DIGITS_MODULUS[params.digits]!;
    const end = Math.min(from + count, Number.MAX_SAFE_INTEGER + 1);
    for (let counter = Math.max(0, from); counter < end; counter++) {
      writeDigits(candidate, this.truncatedCode(params, counter) % modulus);
      if (timingSafeEqual(wanted, candidate)) return counter;
    }
    return undefined;
  }

  /** RFC 4226 section 5.3: HMAC of the 8-byte counter, dynamically truncated to 31 bits. */
  private truncatedCode(params: HotpParams, counter: number): number {
    this.counterView.setUint32(0, Math.floor(counter / TWO_POW_32));
    this.counterView.setUint32(4, counter % TWO_POW_32);
    const mac = this.crypto.hmac(params.algorithm, params.secret, this.counterBytes);
    if (!(mac instanceof Uint8Array)) {
      throw new TypeError(
        `crypto plugin ${this.crypto.name} is asynchronous; a sync one is needed`,
      );
    }
    return dynamicTruncate(mac);
  }
}

/** Writes `value` as zero-padded ASCII digits filling `out`, without allocating a string. */
function writeDigits(out: Buffer, value: number): void {
  let rest = value;
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = ASCII_ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  }
}

/** The scanner the engine uses: node:crypto through otplib's plugin. */
export const DEFAULT_SCANNER = new PasscodeScanner();
