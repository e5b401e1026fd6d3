/** The encrypted part of a Yubico OTP: one AES block as 32 modhex characters. */
const YUBICO_TICKET_CHARS = 32;
/** An OATH token id typed before the digits: 2 modhex bytes (4 chars) and the serial as 8 BCD digits. */
const OATH_TOKEN_ID_CHARS = 12;

const YUBICO_OTP = /^[cbdefghijklnrtuv]{32,64}$/;
const DIGITS = /^[0-9]{6,8}$/;
const DIGITS_AFTER_TOKEN_ID = /^[A-Za-z0-9]{12}[0-9]{6,8}$/;

/** A passcode as the flows route it: by public id (Yubico OTP) or by digit count (HOTP, TOTP). */
export type Passcode =
  | { readonly kind: 'yubico'; readonly otp: string; readonly publicId: string }
  | { readonly kind: 'digits'; readonly otp: string }
  | { readonly kind: 'other'; readonly otp: string };

/**
 * Sorts a passcode: a Yubico OTP keeps its public id for lookup; an OATH token id in front of the
 * digits is dropped, since the engine checks the digits alone. Anything else is passed on as it is
 * and fails verification as malformed (a value, not an error).
 */
export function parsePasscode(text: string): Passcode {
  const lower = text.toLowerCase();
  if (YUBICO_OTP.test(lower))
    return {
      kind: 'yubico',
      otp: lower,
      publicId: lower.slice(0, lower.length - YUBICO_TICKET_CHARS),
    };
  if (DIGITS.test(text)) return { kind: 'digits', otp: text };
  if (DIGITS_AFTER_TOKEN_ID.test(text))
    return { kind: 'digits', otp: text.slice(OATH_TOKEN_ID_CHARS) };
  return { kind: 'other', otp: text };
}
