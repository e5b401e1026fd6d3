import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { createGuardrails, type CryptoPlugin } from '@otplib/core';
import { MAX_SEED_BYTES, MAX_TOTP_RESYNC_STEPS, MIN_SEED_BYTES } from './constants';

/*
 * otplib 13 is used through its CommonJS packages (@otplib/core, /hotp, /totp and the node crypto
 * plugin). The `otplib` umbrella also loads its default base32 and crypto plugins, whose
 * dependencies (@scure/base, @noble/hashes) are ESM-only and cannot be required under Jest.
 */

/** node:crypto (OpenSSL) HMACs; otplib's default plugin is pure JavaScript. */
export const NODE_CRYPTO: CryptoPlugin = new NodeCryptoPlugin();

/**
 * otplib refuses seeds under 16 bytes and searches over 99 checks by default. Hardware tokens ship
 * 10-byte seeds and resync searches span up to 2 x 1000 + 1 steps, so both limits are widened here;
 * weak seeds are reported by validateSeed instead of refused.
 */
export const OTPLIB_GUARDRAILS = createGuardrails({
  MIN_SECRET_BYTES: MIN_SEED_BYTES,
  MAX_SECRET_BYTES: MAX_SEED_BYTES,
  MAX_WINDOW: 2 * MAX_TOTP_RESYNC_STEPS + 1,
});
