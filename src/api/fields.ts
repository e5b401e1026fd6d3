import { z } from 'zod';
// The only module of src/core the API may import: pure, so the page can bundle it (eslint.config.mjs).
import { parsePasscode, PASSCODE_PATTERN, PASSCODE_RULE } from '../core/passcode';

/** Request ids are echoed in the reply: a short string or a safe integer. */
export const RequestId = z.union([
  z.string().min(1).max(64),
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
]);
export type RequestId = z.infer<typeof RequestId>;

/** Printable ASCII and printable non-ASCII; no control characters, no leading/trailing spaces. */
export const User = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u, 'printable, no surrounding spaces');

export const Serial = z.string().regex(/^[A-Za-z0-9._:-]{1,50}$/, 'serial: [A-Za-z0-9._:-]{1,50}');

/**
 * A passcode as typed or captured, by the one passcode rule (src/core/passcode.ts): 6 or 8 digits,
 * optionally after a 12-character OATH token id, or a 32..64 character Yubico OTP in modhex, in
 * either case and as typed through a Dvorak layout. The pattern, built from the parser's
 * constants, is what the JSON Schema shows; the parser itself has the last word. The text is sent
 * on as typed: the daemon normalises it.
 */
export const Passcode = z
  .string()
  .regex(new RegExp(PASSCODE_PATTERN), PASSCODE_RULE)
  .refine((text) => parsePasscode(text) !== undefined, PASSCODE_RULE);

/** Pairing ids are issued by the daemon and are opaque to the page. */
export const PairingId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'pairingId: opaque id');

/** Session tokens are issued on a successful sign-on and are opaque to the page. */
export const SessionToken = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'sessionToken: opaque');

export const DeviceAccess = z.enum(['exclusive', 'shared']);

/** An attached token as the page sees it (no paths, no secrets). */
export const ApiDevice = z.object({
  id: z.string().min(1).max(128),
  driver: z.string().min(1).max(32),
  model: z.string().min(1).max(128),
  serial: Serial.optional(),
  firmware: z.string().max(32).optional(),
  access: DeviceAccess,
  /**
   * The registry knows this key as a Yubico OTP token (by its public id): a press of its button
   * pairs it (`pairing.tap`), no serial to type. Absent for any other key (an HOTP token cannot).
   */
  tapPairing: z.literal(true).optional(),
});
export type ApiDevice = z.infer<typeof ApiDevice>;

export const OtpFormat = z.enum(['yubico', 'oath-hotp']);

export const PairingStep = z.enum([
  'start',
  'choose-device',
  'serial',
  /** Set up this token: the daemon programs a blank key (see setupStep), then Verification. */
  'setup',
  'verification',
  'final-step',
  'done',
]);
export type PairingStep = z.infer<typeof PairingStep>;

/** A plugged key the registry does not know: the page may offer "Set up this token" for it. */
export const SetupOffer = z.strictObject({
  deviceId: z.string().min(1).max(128),
  serial: Serial,
  /** The slot the setup writes: on a YubiKey, slot 2 answers a long touch (about 3 s). */
  slot: z.union([z.literal(1), z.literal(2)]),
});
export type SetupOffer = z.infer<typeof SetupOffer>;

/** Where a setup stands: writing the key, waiting for its touch, checking, registering, undoing. */
export const SetupStep = z.enum(['programming', 'touch', 'verifying', 'registering', 'restoring']);
export type SetupStep = z.infer<typeof SetupStep>;
