/** RFC 6238 appendix B: TOTP, 8 digits, 30 s steps, T0 = 0. */
export const RFC6238_SEEDS_ASCII = {
  sha1: '12345678901234567890',
  sha256: '12345678901234567890123456789012',
  sha512: '1234567890123456789012345678901234567890123456789012345678901234',
} as const;

export const RFC6238_VECTORS: ReadonlyArray<{
  time: number; // unix seconds
  algorithm: 'sha1' | 'sha256' | 'sha512';
  otp: string;
}> = [
  { time: 59, algorithm: 'sha1', otp: '94287082' },
  { time: 59, algorithm: 'sha256', otp: '46119246' },
  { time: 59, algorithm: 'sha512', otp: '90693936' },
  { time: 1111111109, algorithm: 'sha1', otp: '07081804' },
  { time: 1111111109, algorithm: 'sha256', otp: '68084774' },
  { time: 1111111109, algorithm: 'sha512', otp: '25091201' },
  { time: 1111111111, algorithm: 'sha1', otp: '14050471' },
  { time: 1111111111, algorithm: 'sha256', otp: '67062674' },
  { time: 1111111111, algorithm: 'sha512', otp: '99943326' },
  { time: 1234567890, algorithm: 'sha1', otp: '89005924' },
  { time: 1234567890, algorithm: 'sha256', otp: '91819424' },
  { time: 1234567890, algorithm: 'sha512', otp: '93441116' },
  { time: 2000000000, algorithm: 'sha1', otp: '69279037' },
  { time: 2000000000, algorithm: 'sha256', otp: '90698825' },
  { time: 2000000000, algorithm: 'sha512', otp: '38618901' },
  { time: 20000000000, algorithm: 'sha1', otp: '65353130' },
  { time: 20000000000, algorithm: 'sha256', otp: '77737706' },
  { time: 20000000000, algorithm: 'sha512', otp: '47863826' },
];
