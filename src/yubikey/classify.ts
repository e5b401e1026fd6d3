/** Modhex characters of the encrypted part of a Yubico OTP (16 bytes). */
export const YUBICO_TOKEN_LENGTH = 32;
/** Longest Yubico OTP: a 16-byte public id (32 modhex) and the token. */
export const YUBICO_OTP_MAX_LENGTH = 64;
/** OATH token id as a YubiKey types it by default: OMP and TT in modhex, the MUI as 8 digits. */
export const OATH_TOKEN_ID_LENGTH = 12;

export type HotpDigits = 6 | 8;

export type OtpClassification =
  | {
      readonly format: 'yubico';
      /** Modhex prefix naming the token; may be empty. */
      readonly publicId: string;
      /** The 32-character encrypted part. */
      readonly token: string;
      /** The whole OTP (public id and token), lower case. */
      readonly otp: string;
    }
  | {
      readonly format: 'oath-hotp';
      readonly tokenId?: string;
      readonly code: string;
      readonly digits: HotpDigits;
    };

export interface ClassifyOptions {
  /** The digit count the slot is known to type; a code of the other length is then not an OTP. */
  readonly hotpDigits?: HotpDigits;
}

const MODHEX_RUN = /^[cbdefghijklnrtuv]+$/;
const HOTP = /^([cbdefghijklnrtuv]{4}[0-9]{8})?([0-9]{6}|[0-9]{8})$/;

/**
 * What a token typed, or undefined for anything that is not an OTP (a static password, noise).
 * Trailing CR/LF are ignored, modhex is accepted in either case and returned in lower case.
 * - Yubico OTP: only modhex, even length 32..64; the last 32 characters are the token and what
 *   precedes them the public id.
 * - OATH-HOTP: an optional 12-character token id (4 modhex + 8 digits), then 6 or 8 digits. The
 *   digit count is read from the length (6 or 8 after the optional id): no other format a token
 *   types is 8 bare digits, so a bare 8-digit string is an 8-digit code unless `hotpDigits: 6`
 *   says the slot types 6, in which case it is not an OTP (and likewise 6 digits with
 *   `hotpDigits: 8`).
 */
export function classifyOtp(
  text: string,
  options: ClassifyOptions = {},
): OtpClassification | undefined {
  const clean = text.replace(/[\r\n]+$/, '').toLowerCase();
  if (MODHEX_RUN.test(clean)) {
    const length = clean.length;
    if (length % 2 !== 0 || length < YUBICO_TOKEN_LENGTH || length > YUBICO_OTP_MAX_LENGTH) {
      return undefined;
    }
    const split = length - YUBICO_TOKEN_LENGTH;
    return {
      format: 'yubico',
      publicId: clean.slice(0, split),
      token: clean.slice(split),
      otp: clean,
    };
  }
  const m = HOTP.exec(clean);
  if (!m) return undefined;
  const code = m[2]!;
  const digits: HotpDigits = code.length === 8 ? 8 : 6;
  if (options.hotpDigits !== undefined && options.hotpDigits !== digits) return undefined;
  return m[1] === undefined
    ? { format: 'oath-hotp', code, digits }
    : { format: 'oath-hotp', tokenId: m[1], code, digits };
}
