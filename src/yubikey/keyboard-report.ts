import {
  KEYBOARD_FIRST_KEY_OFFSET,
  KEYBOARD_KEY_SLOTS,
  KEYBOARD_MODIFIER_OFFSET,
  KEYBOARD_REPORT_SIZE,
  KEYBOARD_RESERVED_OFFSET,
  MODHEX_ALPHABET,
  MODHEX_USAGES,
  MODIFIER_NON_SHIFT_MASK,
  MODIFIER_SHIFT_MASK,
  USAGE_DIGIT_1,
  USAGE_ENTER,
  USAGE_ERROR_ROLLOVER,
  USAGE_ERROR_UNDEFINED,
  USAGE_KEYPAD_1,
  USAGE_KEYPAD_ENTER,
  USAGE_LAST_KEY,
} from '../core';

/**
 * One key press as far as an OTP is concerned. Keys that cannot be part of an OTP (the text of a
 * static password, Tab, symbols) become 'other' and are never turned into characters, so such
 * text never exists in this process as a string.
 */
export type KeyStroke =
  | { readonly kind: 'char'; readonly char: string }
  | { readonly kind: 'enter' }
  | { readonly kind: 'other' };

export type KeyboardReportDecode =
  /** `keys`: the keys down in this report; `strokes`: the presses new since the previous report. */
  | {
      readonly kind: 'keys';
      readonly keys: readonly number[];
      readonly strokes: readonly KeyStroke[];
    }
  /** Not a key state: ErrorRollOver, or bytes that are no valid boot keyboard report. */
  | { readonly kind: 'ignored'; readonly reason: 'rollover' | 'garbage' };

const MODHEX_UPPER = MODHEX_ALPHABET.toUpperCase();
const DIGITS_FROM_1 = '1234567890'; // usage order: '1'..'9' then '0'
const ENTER: KeyStroke = Object.freeze({ kind: 'enter' });
const OTHER: KeyStroke = Object.freeze({ kind: 'other' });
const IGNORED_GARBAGE = { kind: 'ignored', reason: 'garbage' } as const;
const IGNORED_ROLLOVER = { kind: 'ignored', reason: 'rollover' } as const;
/** The key-up report, the most common one: shared, as it carries nothing. */
const NO_KEYS: KeyboardReportDecode = Object.freeze({
  kind: 'keys',
  keys: Object.freeze([]),
  strokes: Object.freeze([]),
});

/** What a key contributes when typed with no modifier, or with shift; built once. */
const PLAIN_STROKES = strokeTable(false);
const SHIFTED_STROKES = strokeTable(true);

function strokeTable(shifted: boolean): readonly KeyStroke[] {
  const table: KeyStroke[] = new Array<KeyStroke>(USAGE_LAST_KEY + 1).fill(OTHER);
  const char = (c: string): KeyStroke => Object.freeze({ kind: 'char', char: c });
  MODHEX_USAGES.forEach((usage, i) => {
    table[usage] = char((shifted ? MODHEX_UPPER : MODHEX_ALPHABET)[i]!);
  });
  // Shifted digits are symbols, so they stay OTHER in the shifted table.
  for (let i = 0; !shifted && i < DIGITS_FROM_1.length; i++) {
    table[USAGE_DIGIT_1 + i] = char(DIGITS_FROM_1[i]!);
    table[USAGE_KEYPAD_1 + i] = char(DIGITS_FROM_1[i]!);
  }
  table[USAGE_ENTER] = ENTER;
  table[USAGE_KEYPAD_ENTER] = ENTER;
  return table;
}

/** What a key typed with these modifiers contributes to an OTP. */
export function strokeFor(usage: number, modifiers: number): KeyStroke {
  if (usage === USAGE_ENTER || usage === USAGE_KEYPAD_ENTER) return ENTER;
  if ((modifiers & MODIFIER_NON_SHIFT_MASK) !== 0) return OTHER;
  const table = (modifiers & MODIFIER_SHIFT_MASK) !== 0 ? SHIFTED_STROKES : PLAIN_STROKES;
  return table[usage] ?? OTHER;
}

/**
 * Decodes one 8-byte boot keyboard report against the keys down in the previous one. Only keys
 * not already down count as presses, so a key held across reports is typed once, and a character
 * typed twice needs the key-up report in between.
 */
export function decodeKeyboardReport(
  report: Uint8Array,
  previousKeys: readonly number[] = [],
): KeyboardReportDecode {
  if (report.length !== KEYBOARD_REPORT_SIZE || report[KEYBOARD_RESERVED_OFFSET] !== 0) {
    return IGNORED_GARBAGE;
  }
  const keys: number[] = [];
  let ended = false;
  let rollover = false;
  for (let i = 0; i < KEYBOARD_KEY_SLOTS; i++) {
    const usage = report[KEYBOARD_FIRST_KEY_OFFSET + i]!;
    if (usage === 0) {
      ended = true;
      continue;
    }
    if (usage === USAGE_ERROR_ROLLOVER) {
      rollover = true;
      continue;
    }
    // Keys fill the slots from the front, once each, with key usages only.
    const invalid = usage <= USAGE_ERROR_UNDEFINED || usage > USAGE_LAST_KEY;
    if (ended || invalid || keys.includes(usage)) return IGNORED_GARBAGE;
    keys.push(usage);
  }
  // Phantom state (HID 1.11 appendix C): the slots read ErrorRollOver and the keys are unknown.
  if (rollover) return keys.length === 0 ? IGNORED_ROLLOVER : IGNORED_GARBAGE;
  if (keys.length === 0) return NO_KEYS;
  const modifiers = report[KEYBOARD_MODIFIER_OFFSET]!;
  const strokes: KeyStroke[] = [];
  for (const usage of keys) {
    if (!previousKeys.includes(usage)) strokes.push(strokeFor(usage, modifiers));
  }
  return { kind: 'keys', keys, strokes };
}
