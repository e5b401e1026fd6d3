import { decodeKeyboardReport, strokeFor } from '../../../src/yubikey';
import { bytes } from '../../helpers/scripted-connection';
import { KEYBOARD_VECTORS } from '../../vectors/keyboard';

/** Folds the pure decoder over reports: characters, '⏎' for Enter, '·' for other keys. */
function decodeAll(reports: readonly string[]): { text: string; ignored: number } {
  let previous: readonly number[] = [];
  let text = '';
  let ignored = 0;
  for (const r of reports) {
    const decoded = decodeKeyboardReport(bytes(r), previous);
    if (decoded.kind === 'ignored') {
      ignored += 1;
      continue;
    }
    previous = decoded.keys;
    for (const s of decoded.strokes)
      text += s.kind === 'char' ? s.char : s.kind === 'enter' ? '⏎' : '·';
  }
  return { text, ignored };
}

describe('keyboard report decoding', () => {
  test.each(KEYBOARD_VECTORS)('$name', ({ reports, text, ignored }) => {
    expect(decodeAll(reports)).toEqual({ text, ignored: ignored ?? 0 });
  });

  test('rollover and garbage are told apart', () => {
    expect(decodeKeyboardReport(bytes('00 00 01 01 01 01 01 01'))).toEqual({
      kind: 'ignored',
      reason: 'rollover',
    });
    expect(decodeKeyboardReport(bytes('00 07 06 00 00 00 00 00'))).toEqual({
      kind: 'ignored',
      reason: 'garbage',
    });
  });

  test('a key-up report reports no keys down', () => {
    expect(decodeKeyboardReport(new Uint8Array(8), [0x06])).toEqual({
      kind: 'keys',
      keys: [],
      strokes: [],
    });
  });

  test('every 8-byte report decodes without throwing', () => {
    // Deterministic pseudo-random reports (xorshift), the kind a garbage fault sends.
    let x = 0x9e3779b9;
    let previous: readonly number[] = [];
    for (let i = 0; i < 5000; i++) {
      const report = new Uint8Array(8);
      for (let j = 0; j < 8; j++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        report[j] = x & 0xff;
      }
      const decoded = decodeKeyboardReport(report, previous);
      if (decoded.kind === 'keys') previous = decoded.keys;
      expect(['keys', 'ignored']).toContain(decoded.kind);
    }
  });

  test.each([
    [0x06, 0x00, 'c'],
    [0x06, 0x02, 'C'],
    [0x27, 0x00, '0'],
    [0x62, 0x00, '0'],
  ])('usage 0x%s with modifiers %s is %s', (usage, modifiers, char) => {
    expect(strokeFor(usage, modifiers)).toEqual({ kind: 'char', char });
  });
});
