import {
  parsePasscode,
  PASSCODE_MAX_CHARS,
  PASSCODE_PATTERN,
  verifiedPart,
} from '../../../src/core';
import { OTP_FORMAT_VECTORS, TYPED_ENTER_VECTORS } from '../../vectors/otp-formats';

describe('the passcode parser', () => {
  test.each(OTP_FORMAT_VECTORS)('$name', ({ text, hotpDigits, expected }) => {
    expect(parsePasscode(text, { hotpDigits })).toEqual(expected);
  });

  test.each(TYPED_ENTER_VECTORS)('$name: the Enter is no part of a passcode', ({ text }) => {
    expect(parsePasscode(text)).toBeUndefined();
  });

  test('nothing longer than the longest Yubico OTP is a passcode', () => {
    expect(parsePasscode('c'.repeat(PASSCODE_MAX_CHARS))).toMatchObject({ format: 'yubico' });
    expect(parsePasscode('c'.repeat(PASSCODE_MAX_CHARS + 2))).toBeUndefined();
  });
});

describe('its pattern, for the API schema', () => {
  const pattern = new RegExp(PASSCODE_PATTERN);
  const everyText = [...OTP_FORMAT_VECTORS, ...TYPED_ENTER_VECTORS].filter(
    (v) => v.hotpDigits === undefined,
  );

  test.each(everyText)('accepts exactly what the parser accepts: $name', ({ text }) => {
    expect(pattern.test(text)).toBe(parsePasscode(text) !== undefined);
  });
});

describe('what the engine is given', () => {
  test.each([
    [
      'a Yubico OTP typed with caps lock',
      'DTEFFUJEHKNHFJBRJNLNLDNHCUJVDDBIKNGJRTGH',
      'dteffujehknhfjbrjnlnldnhcujvddbikngjrtgh',
    ],
    [
      'a Dvorak-typed Yubico OTP',
      'ey.uugh.dtbduhxphbnbnebdjghkeexctbihpyid',
      'dteffujehknhfjbrjnlnldnhcujvddbikngjrtgh',
    ],
    ['digits after an OATH token id', 'ubhe07050602154916', '154916'],
    ['bare digits', '94287082', '94287082'],
    ['no passcode, as it is (the engine refuses it as malformed)', '75522', '75522'],
  ])('%s', (_what, text, expected) => {
    expect(verifiedPart(text)).toBe(expected);
  });
});
