import fc from 'fast-check';
import { splitCsvLine } from '../../../src/tokens/import';

describe('splitCsvLine', () => {
  test.each([
    ['a,b,c', ['a', 'b', 'c']],
    [' a , b ,c ', ['a', 'b', 'c']],
    ['"a","b"', ['a', 'b']],
    ['"a, with comma",b', ['a, with comma', 'b']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['a,,c,', ['a', '', 'c', '']],
    ['single', ['single']],
    ['', ['']],
    ['  "q"  ,z', ['q', 'z']],
  ])('%j -> %j', (line, fields) => {
    expect(splitCsvLine(line)).toEqual(fields);
  });

  test.each([['"open,b'], ['"a"x,b']])('%j is refused (null)', (line) => {
    expect(splitCsvLine(line)).toBeNull();
  });
});

describe('splitCsvLine properties', () => {
  // Fields as a spreadsheet writes them: quoted when they hold a delimiter or quote.
  const field = fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '').trim());
  const quote = (f: string) => (/[",]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f);

  test('quoting then splitting gives the fields back', () => {
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 8 }), (fields) => {
        expect(splitCsvLine(fields.map(quote).join(','))).toEqual(fields);
      }),
    );
  });

  test('never throws on any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (line) => {
        const out = splitCsvLine(line);
        expect(out === null || Array.isArray(out)).toBe(true);
      }),
    );
  });
});
