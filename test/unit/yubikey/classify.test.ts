import { classifyOtp } from '../../../src/yubikey';
import { OTP_FORMAT_VECTORS, TYPED_ENTER_VECTORS } from '../../vectors/otp-formats';

describe('OTP classification of what a token typed', () => {
  test.each([...OTP_FORMAT_VECTORS, ...TYPED_ENTER_VECTORS])(
    '$name',
    ({ text, hotpDigits, expected }) => {
      expect(classifyOtp(text, { hotpDigits })).toEqual(expected);
    },
  );
});
