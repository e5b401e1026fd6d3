/**
 * Windows and limits. The defaults follow the established servers (privacyIDEA, LinOTP): a
 * look-ahead of 10 counters, a resync search of 1000, a TOTP window of one step either side.
 */
export const DEFAULT_HOTP_WINDOW = 10;
export const MAX_HOTP_WINDOW = 100;
export const DEFAULT_HOTP_RESYNC_WINDOW = 1000;
export const MAX_HOTP_RESYNC_WINDOW = 1000;

export const DEFAULT_TOTP_WINDOW = 1;
/** Ten steps either side is already five minutes at 30 s; anything wider belongs to resync. */
export const MAX_TOTP_WINDOW = 10;
/** One hour either side at 30 s steps. */
export const DEFAULT_TOTP_RESYNC_STEPS = 120;
export const MAX_TOTP_RESYNC_STEPS = 1000;

/** Some hardware tokens ship 10-byte seeds; RFC 4226 asks for at least 16 (128 bits). */
export const MIN_SEED_BYTES = 10;
export const RECOMMENDED_MIN_SEED_BYTES = 16;
export const MAX_SEED_BYTES = 64;

export const YUBICO_AES_KEY_BYTES = 16; // AES-128
export const YUBICO_PRIVATE_ID_BYTES = 6;
