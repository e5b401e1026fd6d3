import { ValidationError } from './errors';

/**
 * Modhex: hex digits 0-f written with the letters "cbdefghijklnrtuv", keys that sit in the same place
 * on most keyboard layouts, so a token's typed output survives QWERTY, QWERTZ and AZERTY. No node:
 * imports and no Buffer: the page bundles this file through the passcode parser.
 */
export const MODHEX_ALPHABET = 'cbdefghijklnrtuv';
export const HEX_ALPHABET = '0123456789abcdef';

const MODHEX_PATTERN = /^(?:[cbdefghijklnrtuv]{2})*$/;

export function isModhex(text: string): boolean {
  return MODHEX_PATTERN.test(text);
}

export function modhexEncode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += MODHEX_ALPHABET[byte >>> 4]! + MODHEX_ALPHABET[byte & 0x0f]!;
  return out;
}

export function modhexDecode(text: string): Uint8Array {
  const lower = text.toLowerCase();
  if (!isModhex(lower)) {
    throw new ValidationError(
      `not modhex: expected an even number of the letters ${MODHEX_ALPHABET}`,
    );
  }
  const out = new Uint8Array(lower.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] =
      (MODHEX_ALPHABET.indexOf(lower[2 * i]!) << 4) | MODHEX_ALPHABET.indexOf(lower[2 * i + 1]!);
  }
  return out;
}

export function modhexToHex(text: string): string {
  let out = '';
  for (const byte of modhexDecode(text))
    out += HEX_ALPHABET[byte >>> 4]! + HEX_ALPHABET[byte & 0x0f]!;
  return out;
}

export function hexToModhex(hex: string): string {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex))
    throw new ValidationError('not hex: expected pairs of 0-9a-f');
  let out = '';
  for (const ch of hex.toLowerCase()) out += MODHEX_ALPHABET[HEX_ALPHABET.indexOf(ch)]!;
  return out;
}
