import { createHmac } from 'node:crypto';

/**
 * Default secrets of a virtual token, derived from its serial so that tests and QA can compute the
 * OTPs it will type without reading them from anywhere:
 *
 *   derive(serial, label, n) = first n bytes of HMAC-SHA256(key = ASCII "tokenbridge-virtual-token",
 *                                                            msg = ASCII "<label>:<decimal serial>")
 *
 * with labels `hotp-secret` (20 bytes), `aes-key` (16 bytes) and `private-id` (6 bytes). These are
 * test secrets: anybody who knows the serial knows them. A spec that sets `secret`, `aes-key` or
 * `private-id` replaces them.
 */
export const DERIVATION_KEY = 'tokenbridge-virtual-token';

export function deriveDefault(serial: number, label: string, length: number): Uint8Array {
  const mac = createHmac('sha256', DERIVATION_KEY).update(`${label}:${serial}`).digest();
  return new Uint8Array(mac.subarray(0, length));
}

export const DEFAULT_SERIAL = 7050602; // the serial of the Yubico SDK's worked example (reference A2)
export const DEFAULT_HOTP_SECRET_BYTES = 20; // the OATH-HOTP key size a YubiKey slot holds
export const DEFAULT_PACING_MS = 2; // between keyboard reports: realistic order, fast tests
export const DEFAULT_USAGE_COUNTER = 1; // Yubico OTP usage counter at the first plug-in

/** Yubico OTP public id as `ykman otp yubiotp --serial-public-id` makes it: ff 00 ‖ serial BE32. */
export function serialPublicId(serial: number): Uint8Array {
  const id = new Uint8Array(6);
  id[0] = 0xff; // "vv": YubiCloud's prefix for ids derived from a serial
  id[1] = 0x00;
  new DataView(id.buffer).setUint32(2, serial, false);
  return id;
}

export function defaultHotpSecret(serial: number): Uint8Array {
  return deriveDefault(serial, 'hotp-secret', DEFAULT_HOTP_SECRET_BYTES);
}

export function defaultAesKey(serial: number): Uint8Array {
  return deriveDefault(serial, 'aes-key', 16);
}

export function defaultPrivateId(serial: number): Uint8Array {
  return deriveDefault(serial, 'private-id', 6);
}
