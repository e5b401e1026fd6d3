import { parsePasscode, type OathDigits, type ParsedPasscode, type PasscodeOptions } from '../core';

/** The digit count of an OATH-HOTP slot, as the keyboard layer and the devices name it. */
export type HotpDigits = OathDigits;
/** What a token typed, recognised: the passcode parser's result (src/core/passcode.ts). */
export type OtpClassification = ParsedPasscode;
export type ClassifyOptions = PasscodeOptions;

/**
 * What a token typed, or undefined for anything that is not an OTP (a static password, noise). The
 * Enter a slot types after its OTP (APPEND_CR) ends the input and is no part of it; the rest is the
 * one passcode rule of src/core, with `hotpDigits` when the slot's digit count is known.
 */
export function classifyOtp(
  text: string,
  options: ClassifyOptions = {},
): OtpClassification | undefined {
  return parsePasscode(text.replace(/[\r\n]+$/, ''), options);
}
