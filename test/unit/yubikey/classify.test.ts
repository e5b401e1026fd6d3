import { classifyOtp } from '../../../src/yubikey';
import { OTP_FORMAT_VECTORS } from '../../vectors/otp-formats';

describe('OTP classification', () => {
  test.each(OTP_FORMAT_VECTORS)('$name', ({ text, hotpDigits, expected }) => {
    expect(classifyOtp(text, { hotpDigits })).toEqual(expected);
  });
});
