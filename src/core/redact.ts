import { createHash } from 'node:crypto';
import { parsePasscode, YUBICO_TICKET_CHARS } from './passcode';

/**
 * Reduces an OTP to the part that identifies the token and nothing that verifies: the public id of a
 * Yubico OTP, the token id of an OATH-HOTP code; the passcode part becomes asterisks of its length.
 * Anything that is no passcode becomes asterisks throughout.
 */
export function redactOtp(otp: string): string {
  const parsed = parsePasscode(otp);
  if (parsed === undefined) return '*'.repeat(otp.length);
  if (parsed.format === 'yubico') return parsed.publicId + '*'.repeat(YUBICO_TICKET_CHARS);
  return (parsed.tokenId ?? '') + '*'.repeat(parsed.code.length);
}

/** A stable device id for events and logs: a short hash of the driver and its path, never the path. */
export function deviceId(driver: string, path: string): string {
  return createHash('sha256').update(`${driver}\0${path}`).digest('hex').slice(0, 16);
}
