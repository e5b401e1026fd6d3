import { createHmac } from 'node:crypto';
import { generateHotp, generateTotp, timeStep, verifyHotp, verifyTotp } from '../../../src/otp';
import { RFC4226_VECTORS } from '../../vectors/rfc4226';
import { RFC6238_VECTORS } from '../../vectors/rfc6238';
import { RFC4226_PARAMS, rfc6238Params } from './helpers';

describe('HOTP, RFC 4226 appendix D', () => {
  test.each(RFC4226_VECTORS)('counter $counter generates $otp', ({ counter, otp }) => {
    expect(generateHotp(RFC4226_PARAMS, counter)).toBe(otp);
  });

  test.each(RFC4226_VECTORS)(
    'counter $counter: $otp is accepted at state 0',
    ({ counter, otp }) => {
      const result = verifyHotp(RFC4226_PARAMS, { counter: 0 }, otp);
      expect(result).toEqual({
        valid: true,
        matched: counter,
        drift: counter,
        next: { counter: counter + 1 },
      });
    },
  );

  test('the vectors agree with a plain node:crypto HMAC (checks the vectors file itself)', () => {
    for (const { counter, otp } of RFC4226_VECTORS) {
      const msg = Buffer.alloc(8);
      msg.writeBigUInt64BE(BigInt(counter));
      const mac = createHmac('sha1', RFC4226_PARAMS.secret).update(msg).digest();
      const offset = mac[19]! & 0x0f;
      const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1e6;
      expect(String(code).padStart(6, '0')).toBe(otp);
    }
  });
});

describe('TOTP, RFC 6238 appendix B', () => {
  test.each(RFC6238_VECTORS)('$algorithm at $time s generates $otp', ({ time, algorithm, otp }) => {
    expect(generateTotp(rfc6238Params(algorithm), time * 1000)).toBe(otp);
  });

  test.each(RFC6238_VECTORS)('$algorithm at $time s accepts $otp', ({ time, algorithm, otp }) => {
    const params = rfc6238Params(algorithm);
    const step = timeStep(time * 1000, 30);
    const result = verifyTotp(params, { lastStep: null, drift: 0 }, otp, time * 1000);
    expect(result).toEqual({
      valid: true,
      matched: step,
      drift: 0,
      next: { lastStep: step, drift: 0 },
    });
  });

  test.each([
    [59_000, 30, 1],
    [59_999, 30, 1],
    [60_000, 30, 2],
    [1_111_111_109_000, 30, 37_037_036],
    [20_000_000_000_000, 30, 666_666_666],
    [59_999, 60, 0],
    [60_000, 60, 1],
  ])('timeStep(%d ms, %d s) = %d', (nowMs, period, step) => {
    expect(timeStep(nowMs, period as 30 | 60)).toBe(step);
  });
});
