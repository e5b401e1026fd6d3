import { OtpRedactor } from '../../../src/qa/redactor';

describe('OtpRedactor', () => {
  const yubico = 'vvcccchnkghlbdtlnvbjvfhlugvhgrnkdkvjkhlecktu';

  test('every typed OTP is redacted where it stands as a whole word', () => {
    const r = new OtpRedactor();
    r.add('755224');
    r.add(yubico);
    expect(r.text(`otp: expected "755224", got "${yubico}"`)).toBe(
      `otp: expected "******", got "vvcccchnkghl${'*'.repeat(32)}"`,
    );
  });

  test('a serial or id containing the digits is left alone', () => {
    const r = new OtpRedactor();
    r.add('755224');
    expect(r.text('serial 17552240 and 755224x')).toBe('serial 17552240 and 755224x');
  });

  test('passcode and otp fields are redacted in values; references and session tokens', () => {
    const r = new OtpRedactor();
    expect(
      r.value({
        passcode: '000000',
        otp: '287082',
        nested: [{ passcode: '${otp:key}' }],
        sessionToken: 's_0d9c8b7a6f5e4d3c',
        user: 'a',
      }),
    ).toEqual({
      passcode: '******',
      otp: '******',
      nested: [{ passcode: '${otp:key}' }],
      sessionToken: '***',
      user: 'a',
    });
  });
});
