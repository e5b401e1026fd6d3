import { createCipheriv } from 'node:crypto';
import { modhexEncode } from '../../../src/core';
import { decodeYubicoOtp, encodeYubicoOtp, verifyYubicoOtp } from '../../../src/otp';
import { vectorTicketBytes, YUBICO_OTP_VECTORS } from '../../vectors/yubico-otp';

function key(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

describe('Yubico OTP vectors', () => {
  test.each(YUBICO_OTP_VECTORS)('$name: the ticket encrypts to the listed OTP', (v) => {
    // Independent of the engine: AES-128-ECB with node:crypto straight from the vector's fields.
    const cipher = createCipheriv('aes-128-ecb', key(v.aesKey), null).setAutoPadding(false);
    const block = Buffer.concat([cipher.update(vectorTicketBytes(v)), cipher.final()]);
    expect(v.publicId + modhexEncode(block)).toBe(v.otp);
  });

  test.each(YUBICO_OTP_VECTORS)('$name: decodes to the listed fields', (v) => {
    expect(decodeYubicoOtp(v.otp, key(v.aesKey))).toEqual({
      ok: true,
      publicId: v.publicId,
      privateId: v.privateId,
      usage: v.usageField & 0x7fff,
      session: v.session,
      timestampLow: v.timestampLow,
      timestampHigh: v.timestampHigh,
      random: v.random,
      crc: v.crc,
      triggeredByHidReport: (v.usageField & 0x8000) !== 0,
    });
  });

  test.each(YUBICO_OTP_VECTORS)('$name: encodeYubicoOtp rebuilds the OTP', (v) => {
    const otp = encodeYubicoOtp(
      v.publicId,
      {
        privateId: v.privateId,
        usage: v.usageField & 0x7fff,
        triggeredByHidReport: (v.usageField & 0x8000) !== 0,
        session: v.session,
        timestampLow: v.timestampLow,
        timestampHigh: v.timestampHigh,
        random: v.random,
      },
      key(v.aesKey),
    );
    expect(otp).toBe(v.otp);
  });

  test.each(YUBICO_OTP_VECTORS)('$name: verifies against a fresh state', (v) => {
    const params = { aesKey: key(v.aesKey), privateId: key(v.privateId) };
    const usage = v.usageField & 0x7fff;
    expect(verifyYubicoOtp(params, { usage: null, session: null }, v.otp)).toEqual({
      valid: true,
      matched: usage,
      drift: 0,
      next: { usage, session: v.session },
    });
  });

  test('a different key fails the CRC', () => {
    const v = YUBICO_OTP_VECTORS[0]!;
    expect(decodeYubicoOtp(v.otp, key('000102030405060708090a0b0c0d0e0f'))).toEqual({
      ok: false,
      reason: 'crc',
    });
  });
});
