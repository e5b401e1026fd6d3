import { parsePasscode } from '../../../src/flows';
import { YUBICO_OTP_VECTORS } from '../../vectors/yubico-otp';

const published = YUBICO_OTP_VECTORS[0]!;

describe('parsePasscode routes a passcode to its tokens', () => {
  test.each([
    ['six digits', '755224', { kind: 'digits', otp: '755224' }],
    ['eight digits', '94287082', { kind: 'digits', otp: '94287082' }],
    ['an OATH token id before the digits', 'ubhe00000100755224', { kind: 'digits', otp: '755224' }],
    [
      'a Yubico OTP with its public id',
      published.otp,
      { kind: 'yubico', otp: published.otp, publicId: published.publicId },
    ],
    [
      'a Yubico OTP typed with caps lock',
      published.otp.toUpperCase(),
      { kind: 'yubico', otp: published.otp, publicId: published.publicId },
    ],
    ['five digits', '75522', { kind: 'other', otp: '75522' }],
    ['nine digits', '755224123', { kind: 'other', otp: '755224123' }],
    ['letters outside modhex', 'abcdefabcdefabcdefabcdefabcdefabcdef', { kind: 'other' }],
  ])('%s', (_what, text, expected) => {
    expect(parsePasscode(text)).toMatchObject(expected);
  });
});
