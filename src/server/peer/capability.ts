import { createHmac, timingSafeEqual } from 'node:crypto';
import { CAPABILITY_PROTOCOL_PREFIX } from '../../api';

/**
 * The per-install capability, for platforms where the daemon cannot learn which local user a
 * connection comes from. The install secret (32 random bytes in the state directory, mode 0600)
 * never leaves the machine's owner; what a page presents is the capability of its own origin, an
 * HMAC of the origin under the secret, so a capability handed to one site is worth nothing to a
 * page of another origin, and all of them are revoked at once by replacing the secret.
 */
const LABEL = 'tokenbridge.v1 origin capability\0';

/** The capability a page of `origin` (normalised, e.g. `http://127.0.0.1:7343`) presents. */
export function originCapability(secret: Uint8Array, origin: string): string {
  return createHmac('sha256', secret).update(LABEL).update(origin).digest('base64url');
}

/** The capability a client offered in its subprotocol list, if any (the first one counts). */
export function offeredCapability(protocols: readonly string[]): string | undefined {
  const offered = protocols.find((p) => p.startsWith(CAPABILITY_PROTOCOL_PREFIX));
  return offered?.slice(CAPABILITY_PROTOCOL_PREFIX.length);
}

/** Constant-time: the offered capability is the one of this origin. */
export function capabilityMatches(
  secret: Uint8Array,
  origin: string,
  offered: string | undefined,
): boolean {
  if (offered === undefined) return false;
  const expected = Buffer.from(originCapability(secret, origin));
  const given = Buffer.from(offered);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
