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
