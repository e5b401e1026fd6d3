import {
  KEYBOARD_FIRST_KEY_OFFSET,
  KEYBOARD_MODIFIER_OFFSET,
  KEYBOARD_REPORT_SIZE,
  MODHEX_ALPHABET,
  MODHEX_USAGES,
  MODIFIER_LEFT_SHIFT,
  USAGE_DIGIT_0,
  USAGE_DIGIT_1,
  USAGE_ENTER,
  USAGE_KEYPAD_0,
  USAGE_KEYPAD_1,
  USAGE_LETTER_A,
  USAGE_TAB,
  ValidationError,
} from '../../src/core';

export interface TypingOptions {
  /** Digits on the numeric keypad (EXTFLAG_USE_NUMERIC_KEYPAD) instead of the top row. */
  readonly numericKeypad: boolean;
  /** Enter after the text (TKTFLAG_APPEND_CR). */
  readonly appendEnter: boolean;
}

interface Keystroke {
  readonly modifier: number;
  readonly usage: number;
}

/**
 * The keystroke for one character a token types: modhex letters (either case), the hex letters of
 * a token id typed as hex, digits, and Tab (TAB_FIRST, APPEND_TAB1/2).
 */
export function keystrokeFor(ch: string, numericKeypad: boolean): Keystroke {
  const lower = ch.toLowerCase();
  const letter = lower.length === 1 ? MODHEX_ALPHABET.indexOf(lower) : -1;
  if (letter >= 0) {
    return { modifier: ch === lower ? 0 : MODIFIER_LEFT_SHIFT, usage: MODHEX_USAGES[letter]! };
  }
  if (/^[a-z]$/i.test(ch)) {
    const usage = USAGE_LETTER_A + lower.charCodeAt(0) - 'a'.charCodeAt(0);
    return { modifier: ch === lower ? 0 : MODIFIER_LEFT_SHIFT, usage };
  }
  if (ch === '\t') return { modifier: 0, usage: USAGE_TAB };
  if (/^[0-9]$/.test(ch)) {
    const digit = Number(ch);
    if (numericKeypad)
      return { modifier: 0, usage: digit === 0 ? USAGE_KEYPAD_0 : USAGE_KEYPAD_1 + digit - 1 };
    return { modifier: 0, usage: digit === 0 ? USAGE_DIGIT_0 : USAGE_DIGIT_1 + digit - 1 };
  }
  throw new ValidationError(`a token types only letters, digits and Tab, not "${ch}"`);
}

/** Key-down then all-zero key-up report for each character, then Enter when asked. */
export function keyReportsFor(text: string, options: TypingOptions): Uint8Array[] {
  const strokes = [...text].map((ch) => keystrokeFor(ch, options.numericKeypad));
  if (options.appendEnter) strokes.push({ modifier: 0, usage: USAGE_ENTER });
  const reports: Uint8Array[] = [];
  for (const stroke of strokes) {
    const down = new Uint8Array(KEYBOARD_REPORT_SIZE);
    down[KEYBOARD_MODIFIER_OFFSET] = stroke.modifier;
    down[KEYBOARD_FIRST_KEY_OFFSET] = stroke.usage;
    reports.push(down, new Uint8Array(KEYBOARD_REPORT_SIZE));
  }
  return reports;
}
