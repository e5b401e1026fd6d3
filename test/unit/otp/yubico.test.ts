import { DVORAK_MODHEX_ALPHABET, MODHEX_ALPHABET } from '../../../src/core';
import {
  decodeYubicoOtp,
  encodeYubicoOtp,
  verifyYubicoOtp,
  type YubicoParams,
  type YubicoState,
} from '../../../src/otp';
import { YUBICO_OTP_VECTORS } from '../../vectors/yubico-otp';

const V = YUBICO_OTP_VECTORS[0]!; // dteffuje..., usage 19, session 17
const AES_KEY = new Uint8Array(Buffer.from(V.aesKey, 'hex'));
const PARAMS: YubicoParams = {
  aesKey: AES_KEY,
  privateId: new Uint8Array(Buffer.from(V.privateId, 'hex')),
};

function otpWith(usage: number, session: number, privateId = V.privateId): string {
  return encodeYubicoOtp(
    'cccccccbcjdb',
    {
      privateId,
      usage,
      session,
      timestampLow: 0x1234,
      timestampHigh: 0x56,
      random: 0xbeef,
      triggeredByHidReport: false,
    },
    AES_KEY,
  );
}

function toDvorak(modhex: string): string {
  return [...modhex].map((c) => DVORAK_MODHEX_ALPHABET[MODHEX_ALPHABET.indexOf(c)]).join('');
}

describe('decodeYubicoOtp input repair', () => {
  test('uppercase (caps lock) decodes the same', () => {
    expect(decodeYubicoOtp(V.otp.toUpperCase(), AES_KEY)).toMatchObject({
      ok: true,
      publicId: 'dteffuje',
      usage: 19,
    });
  });

  test('Dvorak-typed OTPs are repaired', () => {
    const typed = toDvorak(V.otp);
    expect(typed).not.toBe(V.otp);
    expect(decodeYubicoOtp(typed, AES_KEY)).toMatchObject({ ok: true, publicId: 'dteffuje' });
  });

  test.each([
    ['too short', V.otp.slice(-31)],
    ['odd length', 'c' + V.otp],
    ['public id over 16 bytes', 'c'.repeat(34) + V.otp.slice(-32)],
    ['not modhex', V.otp.slice(0, -1) + 'a'],
    ['digits', '1234567890'.repeat(4)],
    ['empty', ''],
  ])('%s is malformed', (_name, otp) => {
    expect(decodeYubicoOtp(otp, AES_KEY)).toEqual({ ok: false, reason: 'malformed' });
  });

  test('a flipped ciphertext character fails the CRC', () => {
    const last = V.otp.at(-1) === 'c' ? 'b' : 'c';
    expect(decodeYubicoOtp(V.otp.slice(0, -1) + last, AES_KEY)).toEqual({
      ok: false,
      reason: 'crc',
    });
  });
});

describe('verifyYubicoOtp', () => {
  const after = (usage: number, session: number): YubicoState => ({ usage, session });

  test.each([
    ['a later session in the same power-up', after(19, 16), true],
    ['a later power-up with a lower session', after(18, 200), true],
    ['the same pair', after(19, 17), false],
    ['an earlier session', after(19, 18), false],
    ['an earlier power-up', after(20, 0), false],
  ])('%s: accepted = %s', (_name, state, accepted) => {
    const result = verifyYubicoOtp(PARAMS, state, V.otp);
    if (accepted) {
      expect(result).toEqual({
        valid: true,
        matched: 19,
        drift: 19 - state.usage!,
        next: { usage: 19, session: 17 },
      });
    } else {
      expect(result).toEqual({ valid: false, reason: 'replayed' });
    }
  });

  test('the next state refuses the same OTP', () => {
    const first = verifyYubicoOtp(PARAMS, { usage: null, session: null }, V.otp);
    if (!first.valid) throw new Error('expected acceptance');
    expect(verifyYubicoOtp(PARAMS, first.next, V.otp)).toEqual({
      valid: false,
      reason: 'replayed',
    });
  });

  test('another private id under the same key is wrong', () => {
    expect(
      verifyYubicoOtp(PARAMS, { usage: null, session: null }, otpWith(30, 1, '000000000001')),
    ).toEqual({ valid: false, reason: 'wrong' });
  });

  test('the usage flag bit is not part of the counter', () => {
    const flagged = encodeYubicoOtp(
      '',
      {
        privateId: V.privateId,
        usage: 20,
        session: 0,
        timestampLow: 0,
        timestampHigh: 0,
        random: 0,
        triggeredByHidReport: true,
      },
      AES_KEY,
    );
    expect(decodeYubicoOtp(flagged, AES_KEY)).toMatchObject({
      usage: 20,
      triggeredByHidReport: true,
    });
    expect(verifyYubicoOtp(PARAMS, after(19, 17), flagged)).toMatchObject({
      valid: true,
      next: { usage: 20, session: 0 },
    });
  });

  test('a CRC failure or garbage is malformed', () => {
    const other = { ...PARAMS, aesKey: new Uint8Array(16) };
    expect(verifyYubicoOtp(other, { usage: null, session: null }, V.otp)).toEqual({
      valid: false,
      reason: 'malformed',
    });
    expect(verifyYubicoOtp(PARAMS, { usage: null, session: null }, 'hello')).toEqual({
      valid: false,
      reason: 'malformed',
    });
  });
});
