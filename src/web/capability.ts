import { API_PROTOCOL, CAPABILITY_PROTOCOL_PREFIX } from '../api/constants';

/** Where the page keeps the install capability (per origin, as the browser keeps storage). */
export const CAPABILITY_KEY = 'tokenbridge.capability';

/** What `tokenbridge url` puts in the fragment; base64url, so it needs no decoding. */
const FRAGMENT = /(?:^#|&)capability=([A-Za-z0-9_-]{16,128})(?=&|$)/;

/**
 * The capability a `#capability=...` link carries, and the fragment left once it is taken out
 * (the page takes it out of the address bar at once, so it is not bookmarked or shared).
 */
export function capabilityFromFragment(hash: string): {
  readonly capability: string | undefined;
  readonly rest: string;
} {
  const match = FRAGMENT.exec(hash);
  if (!match) return { capability: undefined, rest: hash };
  const rest = hash.replace(match[0], match[0].startsWith('#') ? '#' : '').replace(/^#&/, '#');
  return { capability: match[1], rest: rest === '#' ? '' : rest };
}

/** The subprotocols the page offers: the API's, and the capability when it holds one. */
export function protocolsFor(capability: string | null | undefined): string[] {
  return capability ? [API_PROTOCOL, `${CAPABILITY_PROTOCOL_PREFIX}${capability}`] : [API_PROTOCOL];
}
