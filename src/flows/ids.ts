import { randomBytes } from 'node:crypto';

/** 18 random bytes: 24 url-safe characters, 144 bits, well past guessing. */
const PAIRING_ID_BYTES = 18;
/** 24 random bytes: the 32 url-safe characters the API's session token carries. */
const SESSION_TOKEN_BYTES = 24;

export type RandomBytes = (n: number) => Buffer;

export function newPairingId(random: RandomBytes = randomBytes): string {
  return random(PAIRING_ID_BYTES).toString('base64url');
}

export function newSessionToken(random: RandomBytes = randomBytes): string {
  return random(SESSION_TOKEN_BYTES).toString('base64url');
}
