/** RFC 4226 appendix D: HOTP-SHA1, 6 digits, secret ASCII "12345678901234567890". */
export const RFC4226_SECRET_ASCII = '12345678901234567890';

export const RFC4226_VECTORS: ReadonlyArray<{ counter: number; otp: string }> = [
  { counter: 0, otp: '755224' },
  { counter: 1, otp: '287082' },
  { counter: 2, otp: '359152' },
  { counter: 3, otp: '969429' },
  { counter: 4, otp: '338314' },
  { counter: 5, otp: '254676' },
  { counter: 6, otp: '287922' },
  { counter: 7, otp: '162583' },
  { counter: 8, otp: '399871' },
  { counter: 9, otp: '520489' },
];
