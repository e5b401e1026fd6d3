/**
 * Boot keyboard reports as a YubiKey types them (reference A4): [modifiers, 0, key1..key6], each
 * press followed by an all-zero key-up report. The usage table is written out here from the
 * reference, independently of src/core, so the decoder is checked against it.
 */
// prettier-ignore
const USAGE_OF: Readonly<Record<string, number>> = {
  c: 0x06, b: 0x05, d: 0x07, e: 0x08, f: 0x09, g: 0x0a, h: 0x0b, i: 0x0c,
  j: 0x0d, k: 0x0e, l: 0x0f, n: 0x11, r: 0x15, t: 0x17, u: 0x18, v: 0x19,
  '1': 0x1e, '2': 0x1f, '3': 0x20, '4': 0x21, '5': 0x22, '6': 0x23, '7': 0x24, '8': 0x25,
  '9': 0x26, '0': 0x27,
};
// prettier-ignore
const KEYPAD_OF: Readonly<Record<string, number>> = {
  '1': 0x59, '2': 0x5a, '3': 0x5b, '4': 0x5c, '5': 0x5d, '6': 0x5e, '7': 0x5f, '8': 0x60,
  '9': 0x61, '0': 0x62,
};
const ENTER = 0x28;
const LEFT_SHIFT = 0x02;
const KEY_UP = '00 00 00 00 00 00 00 00';

function report(modifier: number, usage: number): string {
  return [modifier, 0, usage, 0, 0, 0, 0, 0].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Reports for text as a token types it: key-down and key-up per character, then Enter. */
export function typedReports(
  text: string,
  options: { keypad?: boolean; enter?: boolean } = {},
): string[] {
  const out: string[] = [];
  for (const ch of text) {
    const lower = ch.toLowerCase();
    const usage = options.keypad && KEYPAD_OF[ch] ? KEYPAD_OF[ch] : USAGE_OF[lower];
    if (usage === undefined) throw new Error(`no usage for ${JSON.stringify(ch)} in the vectors`);
    out.push(report(ch === lower ? 0 : LEFT_SHIFT, usage), KEY_UP);
  }
  if (options.enter ?? true) out.push(report(0, ENTER), KEY_UP);
  return out;
}

/**
 * Report sequences and what the decoder makes of them: characters as typed, '⏎' for Enter, '·' for
 * a key that is not part of an OTP. `ignored` counts rollover/garbage reports.
 */
export const KEYBOARD_VECTORS: ReadonlyArray<{
  name: string;
  reports: string[];
  text: string;
  ignored?: number;
}> = [
  {
    name: 'the modhex alphabet',
    reports: typedReports('cbdefghijklnrtuv', { enter: false }),
    text: 'cbdefghijklnrtuv',
  },
  { name: 'c', reports: ['00 00 06 00 00 00 00 00', KEY_UP], text: 'c' },
  { name: 'left shift: C', reports: ['02 00 06 00 00 00 00 00', KEY_UP], text: 'C' },
  { name: 'right shift: V', reports: ['20 00 19 00 00 00 00 00', KEY_UP], text: 'V' },
  {
    name: 'both shifts: B',
    reports: ['22 00 05 00 00 00 00 00', KEY_UP],
    text: 'B',
  },
  {
    name: 'digits 1..9 and 0',
    reports: typedReports('1234567890', { enter: false }),
    text: '1234567890',
  },
  {
    name: 'keypad digits',
    reports: [
      '00 00 59 00 00 00 00 00',
      KEY_UP,
      '00 00 61 00 00 00 00 00',
      KEY_UP,
      '00 00 62 00 00 00 00 00',
      KEY_UP,
    ],
    text: '190',
  },
  { name: 'Enter', reports: ['00 00 28 00 00 00 00 00', KEY_UP], text: '⏎' },
  { name: 'keypad Enter', reports: ['00 00 58 00 00 00 00 00', KEY_UP], text: '⏎' },
  { name: 'shift+Enter is still Enter', reports: ['02 00 28 00 00 00 00 00', KEY_UP], text: '⏎' },
  {
    name: 'a repeated character needs the key-up between',
    reports: ['00 00 06 00 00 00 00 00', KEY_UP, '00 00 06 00 00 00 00 00', KEY_UP],
    text: 'cc',
  },
  {
    name: 'a key held across reports is typed once',
    reports: [
      '00 00 06 00 00 00 00 00',
      '00 00 06 00 00 00 00 00',
      '00 00 06 00 00 00 00 00',
      KEY_UP,
    ],
    text: 'c',
  },
  {
    name: 'a second key pressed while the first is held adds only the second',
    reports: [
      '00 00 06 00 00 00 00 00',
      '00 00 06 05 00 00 00 00',
      '00 00 05 00 00 00 00 00',
      KEY_UP,
    ],
    text: 'cb',
  },
  {
    name: 'two new keys in one report, in slot order',
    reports: ['00 00 07 08 00 00 00 00', KEY_UP],
    text: 'de',
  },
  {
    name: 'ErrorRollOver is ignored and does not double the held key',
    reports: [
      '00 00 06 00 00 00 00 00',
      '00 00 01 01 01 01 01 01',
      '00 00 06 00 00 00 00 00',
      KEY_UP,
    ],
    text: 'c',
    ignored: 1,
  },
  {
    name: 'garbage reports are ignored and counted',
    reports: [
      '00 ff 06 00 00 00 00 00', // reserved byte set
      '00 00 06 00 05 00 00 00', // key after an empty slot
      '00 00 06 06 00 00 00 00', // the same key twice
      '00 00 e0 00 00 00 00 00', // a modifier usage in a key slot
      '00 00 02 00 00 00 00 00', // POSTFail
      '00 00 03 00 00 00 00 00', // ErrorUndefined
      '00 00 06 00 00 00 00', // 7 bytes
      '00 00 06 00 00 00 00 00 00', // 9 bytes
      '',
      '00 00 07 00 00 00 00 00',
      KEY_UP,
    ],
    text: 'd',
    ignored: 9,
  },
  {
    name: 'keys that are no part of an OTP: a, Tab, shifted digit, ctrl+c, space',
    reports: [
      '00 00 04 00 00 00 00 00',
      KEY_UP,
      '00 00 2b 00 00 00 00 00',
      KEY_UP,
      '02 00 1e 00 00 00 00 00',
      KEY_UP,
      '01 00 06 00 00 00 00 00',
      KEY_UP,
      '00 00 2c 00 00 00 00 00',
      KEY_UP,
      '02 00 59 00 00 00 00 00',
      KEY_UP,
    ],
    text: '······',
  },
];

export { KEY_UP };
