import fc from 'fast-check';
import { checkJson } from '../../../src/config';

describe('checkJson: where a config file stops being JSON', () => {
  test.each<[string, number, number, string]>([
    ['{"a": }', 1, 7, 'expected a value, found "}"'],
    ['{"a":1,}', 1, 8, 'trailing comma before }'],
    ['[1,2,]', 1, 6, 'trailing comma before ]'],
    ['{"a":1', 1, 7, "expected ',' or '}', found the end of the file"],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, "expected ',' or '}', found \"\\\"\""],
    ['{"a": "x\ny"}', 1, 9, 'control character inside a string (newlines must be written \\n)'],
    ['{"a": "\\q"}', 1, 8, 'bad escape in a string'],
    ['{"a": "\\u12G4"}', 1, 8, 'bad \\u escape'],
    ['{"a": "open', 1, 7, 'string is never closed'],
    ['{a: 1}', 1, 2, 'expected a key in double quotes, found "a"'],
    ['{"a" 1}', 1, 6, 'expected \':\' after the key, found "1"'],
    ['{"a": 01}', 1, 8, "expected ',' or '}', found \"1\""],
    ['{"a": tru}', 1, 7, 'expected a value, found "t"'],
    ['{"a": NaN}', 1, 7, 'expected a value, found "N"'],
    ['[1 2]', 1, 4, "expected ',' or ']', found \"2\""],
    ['{} x', 1, 4, 'unexpected "x" after the end of the JSON value'],
    ['', 1, 1, 'expected a value, found the end of the file'],
    ['\n\n   ', 3, 4, 'expected a value, found the end of the file'],
    ['['.repeat(100), 1, 66, 'nested too deeply'],
  ])('%j fails at line %d, column %d', (text, line, column, reason) => {
    expect(checkJson(text)).toEqual({ ok: false, line, column, reason });
  });

  test('finds duplicate keys, with the path and where the second one is', () => {
    const check = checkJson('{"server": {"port": 1,\n "port": 2}, "log": {}, "log": {}}');
    expect(check).toEqual({
      ok: true,
      duplicates: [
        { path: ['server', 'port'], line: 2, column: 2 },
        { path: ['log'], line: 2, column: 25 },
      ],
    });
  });

  test('keys equal only after unescaping are duplicates too', () => {
    const check = checkJson('{"port": 1, "p\\u006frt": 2}');
    expect(check.ok && check.duplicates.map((d) => d.path)).toEqual([['port']]);
  });

  test('accepts whatever JSON.stringify produces', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const check = checkJson(text);
        expect(check.ok).toBe(true);
      }),
    );
  });

  test('agrees with JSON.parse on arbitrary text (shallow enough for the depth limit)', () => {
    const alphabet = fc.constantFrom(...'{}[]:,"\\ \n0123456789-+.eEtrufalsn'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (chars) => {
        const text = chars.join('');
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        expect(checkJson(text).ok).toBe(parses);
      }),
      { numRuns: 2000 },
    );
  });
});
