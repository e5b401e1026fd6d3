/**
 * Whether a piece of text could be key material, so that an error message may quote it or must
 * not. Seed files put seeds, AES keys and private ids in columns beside serials and counters; a
 * file with a column out of place would otherwise echo a seed into a terminal, a CI log or a
 * ticket. A value is quoted only when it is short and cannot be the encoding of a secret: hex of
 * 6 bytes or more (a Yubico private id is 6), base32 or base64 of 10 bytes or more (the shortest
 * seed), with or without spaces, colons or dashes between groups.
 */
const SHOWN_CHARS_MAX = 32;
/** A longer value is shown only when it is made of short words (URIs). */
const SHOWN_LONG_MAX = 120;
const HEX_DIGITS_MIN = 12; // 6 bytes: a Yubico private id
const BASE32_CHARS_MIN = 16; // 10 bytes
const BASE64_CHARS_MIN = 14; // 10 bytes (with padding, 16)

export function couldBeSecret(text: string): boolean {
  const t = text.trim();
  // Hex is grouped with spaces, colons or dashes; base32 with spaces or dashes; base64 only wraps.
  const hex = t.replace(/[\s:-]/g, '');
  const base32 = t.replace(/[\s-]/g, '').replace(/=+$/, '');
  const base64 = t.replace(/\s/g, '').replace(/=+$/, '');
  if (/^[0-9a-fA-F]+$/.test(hex) && hex.length >= HEX_DIGITS_MIN) return true;
  if (/^[A-Za-z2-7]+$/.test(base32) && base32.length >= BASE32_CHARS_MIN) return true;
  if (/^[A-Za-z0-9+/_-]+$/.test(base64) && base64.length >= BASE64_CHARS_MIN) return true;
  return false;
}

/**
 * Short and not an encoding of a secret; or a longer value (a URI) in which no run of encoding
 * characters is long enough to hold one (`urn:ietf:params:xml:ns:keyprov:pskc:ocra`).
 */
export function mayShow(text: string): boolean {
  if (couldBeSecret(text)) return false;
  if (text.length <= SHOWN_CHARS_MAX) return true;
  if (text.length > SHOWN_LONG_MAX) return false;
  return !(text.match(/[A-Za-z0-9+/_=-]+/g) ?? []).some((run) => run.length >= HEX_DIGITS_MIN);
}

/**
 * A received value as an error message shows it: quoted when it is short and cannot be a secret,
 * else only its length (`"abc"`, `40 characters (not shown: they could be key material)`).
 */
export function shownValue(text: string): string {
  if (mayShow(text)) return JSON.stringify(text);
  return `${text.length} characters (not shown: they could be key material)`;
}

/** What is wrong with text that should be hex digits in pairs, without showing any of it. */
export function hexProblem(clean: string): string {
  const bad = clean.search(/[^0-9a-fA-F]/);
  if (bad >= 0)
    return `${clean.length} characters, of which position ${bad + 1} is not a hex digit`;
  return `${clean.length} hex digits, an odd number`;
}
