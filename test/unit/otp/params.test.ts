import {
  decodeYubicoOtp,
  generateHotp,
  generateTotp,
  resyncHotp,
  resyncTotp,
  timeStep,
  validateSeed,
  verifyHotp,
  verifyTotp,
  verifyYubicoOtp,
  type HotpParams,
  type TotpParams,
} from '../../../src/otp';
import { ValidationError } from '../../../src/core';

const SEED = new Uint8Array(20).fill(0x42);
const HOTP: HotpParams = { secret: SEED, algorithm: 'sha1', digits: 6 };
const TOTP: TotpParams = { ...HOTP, period: 30 };
const NOW = 1_700_000_000_000;

describe('validateSeed', () => {
  test.each([
    [9, { ok: false, message: 'seed: expected 10..64 bytes, got 9' }],
    [10, { ok: true, weak: true }],
    [15, { ok: true, weak: true }],
    [16, { ok: true, weak: false }],
    [64, { ok: true, weak: false }],
    [65, { ok: false, message: 'seed: expected 10..64 bytes, got 65' }],
  ])('%d bytes -> %j', (length, expected) => {
    expect(validateSeed(new Uint8Array(length))).toEqual(expected);
  });
});

describe('invalid parameters throw ValidationError naming the field', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['5-byte seed', () => generateHotp({ ...HOTP, secret: new Uint8Array(5) }, 0), /seed: .*got 5/],
    ['7 digits', () => generateHotp({ ...HOTP, digits: 7 as 6 }, 0), /digits: expected 6 or 8/],
    ['md5', () => generateHotp({ ...HOTP, algorithm: 'md5' as 'sha1' }, 0), /algorithm/],
    ['period 45', () => generateTotp({ ...TOTP, period: 45 as 30 }, NOW), /period/],
    ['negative counter', () => generateHotp(HOTP, -1), /counter/],
    ['fractional counter', () => generateHotp(HOTP, 1.5), /counter/],
    ['negative time', () => generateTotp(TOTP, -1), /time/],
    ['NaN time', () => timeStep(NaN, 30), /time/],
    [
      'HOTP window 101',
      () => verifyHotp(HOTP, { counter: 0 }, '123456', { window: 101 }),
      /window/,
    ],
    ['HOTP window 0', () => verifyHotp(HOTP, { counter: 0 }, '123456', { window: 0 }), /window/],
    [
      'HOTP resync 1001',
      () => verifyHotp(HOTP, { counter: 0 }, '123456', { resyncWindow: 1001 }),
      /resyncWindow/,
    ],
    [
      'HOTP search 1001',
      () => resyncHotp(HOTP, { counter: 0 }, '123456', '123457', { searchWindow: 1001 }),
      /searchWindow/,
    ],
    ['HOTP state -1', () => verifyHotp(HOTP, { counter: -1 }, '123456'), /state.counter/],
    [
      'TOTP window 11',
      () => verifyTotp(TOTP, { lastStep: null, drift: 0 }, '123456', NOW, { window: 11 }),
      /window/,
    ],
    [
      'TOTP search 1001',
      () =>
        resyncTotp(TOTP, { lastStep: null, drift: 0 }, '123456', '123457', NOW, {
          searchSteps: 1001,
        }),
      /searchSteps/,
    ],
    [
      'TOTP drift 0.5',
      () => verifyTotp(TOTP, { lastStep: null, drift: 0.5 }, '123456', NOW),
      /state.drift/,
    ],
    ['AES key of 15 bytes', () => decodeYubicoOtp('c'.repeat(32), new Uint8Array(15)), /AES key/],
    [
      'private id of 5 bytes',
      () =>
        verifyYubicoOtp(
          { aesKey: new Uint8Array(16), privateId: new Uint8Array(5) },
          { usage: null, session: null },
          'c'.repeat(32),
        ),
      /private id/,
    ],
    [
      'half a Yubico state',
      () =>
        verifyYubicoOtp(
          { aesKey: new Uint8Array(16), privateId: new Uint8Array(6) },
          { usage: 3, session: null },
          'c'.repeat(32),
        ),
      /state/,
    ],
  ];
  test.each(cases)('%s', (_name, call, message) => {
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(message);
  });

  test('messages never contain the seed', () => {
    const secret = new Uint8Array(
      Buffer.from('supersecretvalue-that-is-too-long-for-any-token'.repeat(2)),
    );
    try {
      generateHotp({ ...HOTP, secret }, 0);
      throw new Error('expected a throw');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).not.toContain('supersecret');
      expect((err as Error).message).not.toContain(
        Buffer.from(secret).toString('hex').slice(0, 16),
      );
    }
  });
});

describe('malformed passcodes are values, not throws', () => {
  const badCodes: Array<[string, string]> = [
    ['empty', ''],
    ['five digits', '12345'],
    ['seven digits', '1234567'],
    ['letters', '12345a'],
    ['spaces', '123 45'],
    ['sign', '+12345'],
    ['unicode digits', '١٢٣٤٥٦'],
  ];
  test.each(badCodes)('HOTP: %s', (_name, otp) => {
    expect(verifyHotp(HOTP, { counter: 0 }, otp)).toEqual({ valid: false, reason: 'malformed' });
  });
  test.each(badCodes)('TOTP: %s', (_name, otp) => {
    expect(verifyTotp(TOTP, { lastStep: null, drift: 0 }, otp, NOW)).toEqual({
      valid: false,
      reason: 'malformed',
    });
  });
  test('8-digit tokens refuse 6-digit codes', () => {
    expect(verifyHotp({ ...HOTP, digits: 8 }, { counter: 0 }, '123456')).toEqual({
      valid: false,
      reason: 'malformed',
    });
  });
  test('a non-string passcode is malformed', () => {
    expect(verifyHotp(HOTP, { counter: 0 }, 123456 as unknown as string)).toEqual({
      valid: false,
      reason: 'malformed',
    });
  });
});
