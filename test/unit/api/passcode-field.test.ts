import { buildApiJsonSchema, Passcode } from '../../../src/api';
import { parsePasscode, PASSCODE_PATTERN } from '../../../src/core';
import { OTP_FORMAT_VECTORS, TYPED_ENTER_VECTORS } from '../../vectors/otp-formats';

describe('the API passcode field is the passcode parser', () => {
  const vectors = [...OTP_FORMAT_VECTORS, ...TYPED_ENTER_VECTORS].filter(
    (v) => v.hotpDigits === undefined,
  );

  test.each(vectors)('$name', ({ text }) => {
    expect(Passcode.safeParse(text).success).toBe(parsePasscode(text) !== undefined);
  });

  test('the value goes on as typed: the daemon normalises it', () => {
    const typed = 'DTEFFUJEHKNHFJBRJNLNLDNHCUJVDDBIKNGJRTGH';
    expect(Passcode.parse(typed)).toBe(typed);
  });

  test("the JSON Schema shows the parser's pattern for every passcode field", () => {
    const text = JSON.stringify(buildApiJsonSchema());
    const fields = [
      ...text.matchAll(/"passcode":\{"type":"string","pattern":"((?:[^"\\]|\\.)*)"/g),
    ];
    expect(fields.length).toBeGreaterThanOrEqual(4);
    for (const [, pattern] of fields) expect(JSON.parse(`"${pattern}"`)).toBe(PASSCODE_PATTERN);
  });
});
