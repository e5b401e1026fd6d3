/**
 * Vectors for the virtual token: RFC 4226 Appendix D (secret "12345678901234567890"), and the
 * serial read of the OTP application (command 0x10, as Yubico's ykpers `yk_get_serial` and yubikit's
 * `YubiOtpSession.get_serial` send it) as raw feature reports, for the serial 7050602 that the Yubico
 * .NET SDK documentation uses in its example.
 */
export const RFC4226_SECRET_HEX = '3132333435363738393031323334353637383930';

export const RFC4226_HOTP: ReadonlyArray<{ counter: number; code: string }> = [
  { counter: 0, code: '755224' },
  { counter: 1, code: '287082' },
  { counter: 2, code: '359152' },
  { counter: 3, code: '969429' },
  { counter: 4, code: '338314' },
  { counter: 5, code: '254676' },
  { counter: 6, code: '287922' },
  { counter: 7, code: '162583' },
  { counter: 8, code: '399871' },
  { counter: 9, code: '520489' },
];

/** Serial 7050602: host writes, then the device's answers to GET_FEATURE (no busy reads). */
export const SERIAL_READ_EXAMPLE = {
  serial: 7050602,
  hostWrites: ['0000000000000080', '00106b5b00000089'],
  deviceAnswers: ['006b956a8c7b0040', '0000000000000040'],
  resetWrite: '00000000000000ff',
} as const;
