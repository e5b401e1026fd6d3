import type { ParsedPasscode } from '../core';
import { runVerify, type EngineOptions } from './engine-dispatch';
import { wipeSecret, type TokenStore } from './store';
import type { TokenRecord } from './types';

/** How strongly a token's window recognises a code: an exact match beats a drifted one beats a replay. */
const RANK = { valid: 3, ahead: 2, replayed: 1 } as const;

/**
 * The user's tokens this passcode could be for: the Yubico token with its public id, or the
 * HOTP/TOTP tokens with its digit count. When it fits none, every token of the user (the attempt
 * still counts against them).
 */
export function candidatesFor(
  tokens: readonly TokenRecord[],
  passcode: ParsedPasscode | undefined,
): TokenRecord[] {
  const fits = tokens.filter((t) =>
    passcode?.format === 'yubico'
      ? t.kind === 'yubico' && t.publicId === passcode.publicId
      : passcode?.format === 'oath-hotp' && t.kind !== 'yubico' && t.digits === passcode.digits,
  );
  return fits.length > 0 ? fits : [...tokens];
}

/**
 * The token whose window holds the code, checked in memory only (nothing is written, no failure is
 * counted); undefined when none does. A locked token is not tried at all: whether the code fits it
 * must not show.
 */
export async function recognise(
  store: TokenStore,
  targets: readonly TokenRecord[],
  otp: string,
  now: number,
  engine: EngineOptions,
): Promise<TokenRecord | undefined> {
  let best: { token: TokenRecord; rank: number } | undefined;
  for (const token of targets) {
    if (token.lockedUntil !== null && token.lockedUntil > now) continue;
    const loaded = await store.load(token.serial);
    if (loaded === null) continue;
    let rank = 0;
    try {
      const result = runVerify(loaded.record, loaded.secret, otp, now, engine);
      if (result.valid) rank = RANK.valid;
      else if (result.reason === 'needs-next-passcode') rank = RANK.ahead;
      else if (result.reason === 'replayed') rank = RANK.replayed;
    } finally {
      wipeSecret(loaded.secret);
    }
    if (rank > (best?.rank ?? 0)) best = { token: loaded.record, rank };
  }
  return best?.token;
}
