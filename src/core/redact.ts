import { createHash } from 'node:crypto';

/** Length of the encrypted part of a Yubico OTP, in modhex characters. */
const YUBICO_TOKEN_CHARS = 32;

/**
 * Reduces an OTP to the part that identifies the token and nothing that verifies: the public id of a
 * Yubico OTP, the token id of an OATH-HOTP code; the passcode part becomes asterisks of its length.
 */
export function redactOtp(otp: string): string {
  if (otp.length >= YUBICO_TOKEN_CHARS && /^[cbdefghijklnrtuv]+$/i.test(otp)) {
    return otp.slice(0, otp.length - YUBICO_TOKEN_CHARS) + '*'.repeat(YUBICO_TOKEN_CHARS);
  }
  // An OATH token id (2 modhex bytes + 8 BCD digits) may precede HOTP digits.
  const m = /^([cbdefghijklnrtuv]{4}[0-9]{8})?([0-9]+)$/i.exec(otp);
  if (m) return (m[1] ?? '') + '*'.repeat(m[2]!.length);
  return '*'.repeat(otp.length);
}

/** A stable device id for events and logs: a short hash of the driver and its path, never the path. */
export function deviceId(driver: string, path: string): string {
  return createHash('sha256').update(`${driver}\0${path}`).digest('hex').slice(0, 16);
}
