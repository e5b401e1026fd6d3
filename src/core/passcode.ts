import { HEX_ALPHABET, isModhex, MODHEX_ALPHABET } from './modhex';

/**
 * What a passcode looks like, written once for the keyboard decoder, the flows, the verifier, the
 * logs and the WebSocket schema (which the page bundles: so this module stays free of node: imports).
 * Facts from the YubiKey OTP application (ykdef.h, ykpers, yubikey-manager):
 * - Yubico OTP: `[public id][ticket]`, all modhex; the public id is the `fixed` field, 0..16 bytes,
 *   the ticket one AES-128 block. Typed with caps lock it arrives in upper case; typed through a
 *   US-Dvorak layout each modhex key arrives as another character. Both are repaired here.
 * - OATH-HOTP: `[token id][6 or 8 digits]`. The token id is OMP (1 byte), TT (1 byte) and MUI
 *   (4 bytes), typed as hex digits except for the leading bytes the slot's flags type as modhex:
 *   none, OATH_FIXED_MODHEX1 (the first byte), OATH_FIXED_MODHEX2 (the first two, ykman's default,
 *   e.g. `ubhe07050602`) or OATH_FIXED_MODHEX (all six). A TOTP code typed by hand has the same shape
 *   without the token id.
 */

/** The ticket: one AES-128 block as 32 modhex characters, always last. */
export const YUBICO_TICKET_CHARS = 32;
/** The public id: at most 16 bytes of the `fixed` field. */
export const YUBICO_PUBLIC_ID_MAX_CHARS = 32;
export const YUBICO_OTP_MAX_CHARS = YUBICO_PUBLIC_ID_MAX_CHARS + YUBICO_TICKET_CHARS;
/** OMP, TT and MUI: 6 bytes, 2 characters each. */
export const OATH_TOKEN_ID_CHARS = 12;
/** How many leading token-id characters are modhex: no flag, MODHEX1, MODHEX2, MODHEX. */
export const OATH_TOKEN_ID_MODHEX_CHARS: readonly number[] = [0, 2, 4, 12];
/** The digit counts an OATH slot types (CFGFLAG_OATH_HOTP8 selects 8). */
export const OATH_DIGITS = [6, 8] as const;
export type OathDigits = (typeof OATH_DIGITS)[number];
/** The longest passcode of any format: a Yubico OTP with a 16-byte public id. */
export const PASSCODE_MAX_CHARS = YUBICO_OTP_MAX_CHARS;

/** What a US-Dvorak layout types for each modhex key, in modhex alphabet order. */
export const DVORAK_MODHEX_ALPHABET = 'jxe.uidchtnbpygk';

/** A passcode, normalised: lower case, Dvorak repaired, the Enter a token types not included. */
export type ParsedPasscode =
  | {
      readonly format: 'yubico';
      /** The modhex prefix naming the token; may be empty. */
      readonly publicId: string;
      /** The 32-character ticket. */
      readonly token: string;
      /** The whole OTP (public id and ticket). */
      readonly otp: string;
    }
  | {
      readonly format: 'oath-hotp';
      readonly tokenId?: string;
      readonly code: string;
      readonly digits: OathDigits;
    };

export interface PasscodeOptions {
  /** The digit count the slot is known to type; a code of the other length is then no passcode. */
  readonly hotpDigits?: OathDigits;
}

/** `chars` as the body of a character class, upper case too when `anyCase`. */
function charClass(chars: string, anyCase: boolean): string {
  const all = anyCase ? chars + chars.toUpperCase() : chars;
  return `[${[...new Set(all)].join('')}]`;
}

/**
 * Regex sources for each format. `anyCase` for text as typed (the API's pattern), lower case only
 * for text folded first; `capture` wraps the token id and the digits in groups for exec().
 */
function sources(anyCase: boolean, capture: boolean) {
  const group = (body: string) => (capture ? `(${body})` : `(?:${body})`);
  const modhex = charClass(MODHEX_ALPHABET, anyCase);
  const dvorak = charClass(DVORAK_MODHEX_ALPHABET, anyCase);
  const hex = charClass(HEX_ALPHABET, anyCase);
  // In pairs: a Yubico OTP is whole bytes, its public id and its ticket alike.
  const pairs = `{${YUBICO_TICKET_CHARS / 2},${YUBICO_OTP_MAX_CHARS / 2}}`;
  const tokenId = OATH_TOKEN_ID_MODHEX_CHARS.map((m) => {
    const rest = OATH_TOKEN_ID_CHARS - m;
    return (m > 0 ? `${modhex}{${m}}` : '') + (rest > 0 ? `${hex}{${rest}}` : '');
  });
  const digits = OATH_DIGITS.map((n) => `[0-9]{${n}}`);
  return {
    yubico: `(?:${modhex}{2})${pairs}`,
    yubicoDvorak: `(?:${dvorak}{2})${pairs}`,
    oath: `${group(tokenId.join('|'))}?${group(digits.join('|'))}`,
  };
}

const FOLDED = sources(false, true);
const YUBICO = new RegExp(`^${FOLDED.yubico}$`);
const OATH = new RegExp(`^${FOLDED.oath}$`);

/**
 * Every passcode the parser accepts, as one regular expression over the text as typed (either case).
 * It is exact, so the API's JSON Schema can show the rule; parsePasscode stays the authority.
 */
export const PASSCODE_PATTERN: string = (() => {
  const typed = sources(true, false);
  return `^(?:${typed.yubico}|${typed.yubicoDvorak}|${typed.oath})$`;
})();

/** How the API and the page describe the rule to a person. */
export const PASSCODE_RULE =
  'passcode: 6 or 8 digits (optionally after a 12-character token id) or a 32-64 character modhex OTP';

/**
 * What a token typed or a person entered, or undefined for anything that is no passcode (a static
 * password, noise). Modhex is accepted in either case and through a Dvorak layout, and returned in
 * modhex lower case. The digit count of an OATH code is read from its length; a bare 8-digit string
 * is an 8-digit code unless `hotpDigits: 6` says the slot types 6, and then it is no passcode (and
 * likewise 6 digits with `hotpDigits: 8`).
 */
export function parsePasscode(
  text: string,
  options: PasscodeOptions = {},
): ParsedPasscode | undefined {
  if (text.length > PASSCODE_MAX_CHARS) return undefined;
  // ASCII only: toLowerCase() would also fold look-alikes such as the Kelvin sign into 'k'.
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const yubico = repairDvorakModhex(lower);
  if (YUBICO.test(yubico)) {
    const split = yubico.length - YUBICO_TICKET_CHARS;
    return {
      format: 'yubico',
      publicId: yubico.slice(0, split),
      token: yubico.slice(split),
      otp: yubico,
    };
  }
  const m = OATH.exec(lower);
  if (!m) return undefined;
  const code = m[2]!;
  const digits: OathDigits = code.length === 8 ? 8 : 6;
  if (options.hotpDigits !== undefined && options.hotpDigits !== digits) return undefined;
  return m[1] === undefined
    ? { format: 'oath-hotp', code, digits }
    : { format: 'oath-hotp', tokenId: m[1], code, digits };
}

/**
 * What the engine verifies of a passcode: the whole Yubico OTP, normalised, or the OATH digits
 * without the token id. Text that is no passcode is passed on as it is, for the engine to refuse as
 * malformed (a value, not an error).
 */
export function verifiedPart(text: string): string {
  const parsed = parsePasscode(text);
  if (parsed === undefined) return text;
  return parsed.format === 'yubico' ? parsed.otp : parsed.code;
}

/**
 * Repairs modhex typed through a US-Dvorak layout. Returns the text unchanged when it is already
 * modhex or is not entirely Dvorak-typed modhex.
 */
export function repairDvorakModhex(text: string): string {
  if (isModhex(text)) return text;
  let out = '';
  for (const ch of text) {
    const i = DVORAK_MODHEX_ALPHABET.indexOf(ch);
    if (i < 0) return text;
    out += MODHEX_ALPHABET[i]!;
  }
  return out;
}
