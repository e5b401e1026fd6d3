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
  USAGE_DIGIT_0,
  USAGE_DIGIT_1,
  USAGE_ENTER,
  USAGE_ERROR_ROLLOVER,
  USAGE_ERROR_UNDEFINED,
  USAGE_KEYPAD_0,
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
const ENTER: KeyStroke = { kind: 'enter' };
const OTHER: KeyStroke = { kind: 'other' };
const IGNORED_GARBAGE = { kind: 'ignored', reason: 'garbage' } as const;
const IGNORED_ROLLOVER = { kind: 'ignored', reason: 'rollover' } as const;

/** What a key typed with these modifiers contributes to an OTP. */
export function strokeFor(usage: number, modifiers: number): KeyStroke {
  if (usage === USAGE_ENTER || usage === USAGE_KEYPAD_ENTER) return ENTER;
  if ((modifiers & MODIFIER_NON_SHIFT_MASK) !== 0) return OTHER;
  const shifted = (modifiers & MODIFIER_SHIFT_MASK) !== 0;
  const letter = MODHEX_USAGES.indexOf(usage);
  if (letter >= 0)
    return { kind: 'char', char: (shifted ? MODHEX_UPPER : MODHEX_ALPHABET)[letter]! };
  if (shifted) return OTHER; // shifted digits are symbols
  if (usage >= USAGE_DIGIT_1 && usage <= USAGE_DIGIT_0) {
    return { kind: 'char', char: DIGITS_FROM_1[usage - USAGE_DIGIT_1]! };
  }
  if (usage >= USAGE_KEYPAD_1 && usage <= USAGE_KEYPAD_0) {
    return { kind: 'char', char: DIGITS_FROM_1[usage - USAGE_KEYPAD_1]! };
  }
  return OTHER;
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
  const slots = report.subarray(
    KEYBOARD_FIRST_KEY_OFFSET,
    KEYBOARD_FIRST_KEY_OFFSET + KEYBOARD_KEY_SLOTS,
  );
  // Phantom state (HID 1.11 appendix C): the slots read ErrorRollOver and the keys are unknown.
  if (
    slots.includes(USAGE_ERROR_ROLLOVER) &&
    slots.every((u) => u === USAGE_ERROR_ROLLOVER || u === 0)
  ) {
    return IGNORED_ROLLOVER;
  }
  const keys: number[] = [];
  let ended = false;
  for (const usage of slots) {
    if (usage === 0) {
      ended = true;
      continue;
    }
    // Keys fill the slots from the front, once each, with key usages only.
    const invalid = usage <= USAGE_ERROR_UNDEFINED || usage > USAGE_LAST_KEY;
    if (ended || invalid || keys.includes(usage)) return IGNORED_GARBAGE;
    keys.push(usage);
  }
  const modifiers = report[KEYBOARD_MODIFIER_OFFSET]!;
  const strokes = keys
    .filter((usage) => !previousKeys.includes(usage))
    .map((usage) => strokeFor(usage, modifiers));
  return { kind: 'keys', keys, strokes };
}
