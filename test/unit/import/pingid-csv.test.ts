import { readFileSync } from 'node:fs';
import {
  ImportError,
  createPingIdCsvParser,
  parseLines,
  type CsvDefaults,
} from '../../../src/tokens/import';
import { PINGID_SEED_HEX, SEED20_HEX, fixture } from '../../fixtures/import/vectors';

const HOTP6: CsvDefaults = { type: 'hotp', digits: 6, period: 30 };
const TOTP8: CsvDefaults = { type: 'totp', digits: 8, period: 60 };

function parse(text: string, defaults: CsvDefaults = HOTP6) {
  return [...parseLines(createPingIdCsvParser(defaults), text.split(/\r?\n/))];
}

describe('PingID csv importer', () => {
  test('the .txt form: serial,hexsecret with an optional HOTP start counter', () => {
    const tokens = parse(readFileSync(fixture('pingid.txt'), 'utf8'));
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toMatchObject({
      serial: '2308734700388',
      kind: 'hotp',
      algorithm: 'sha1',
      digits: 6,
      period: 30,
      counter: 0,
      origin: 'line 1',
    });
    expect(Buffer.from(tokens[0]!.secret).toString('hex')).toBe(PINGID_SEED_HEX.toLowerCase());
    expect(tokens[1]).toMatchObject({ serial: '2308734700389', counter: 17, origin: 'line 2' });
  });

  test('the .csv form: a header row, quoted cells, blank lines and CRLF are tolerated', () => {
    const tokens = parse(readFileSync(fixture('pingid-header.csv'), 'utf8'));
    expect(tokens.map((t) => [t.serial, t.origin])).toEqual([
      ['2308734700388', 'line 2'],
      ['2308734700389', 'line 4'],
    ]);
  });

  test('the file-wide type, digits and period apply to every row; TOTP rows carry no counter', () => {
    const [t] = parse(`S1,${SEED20_HEX}`, TOTP8);
    expect(t).toMatchObject({ kind: 'totp', digits: 8, period: 60 });
    expect(t!.counter).toBeUndefined();
  });

  test('a header is only skipped when it is clearly one, and only on the first record', () => {
    expect(() => parse(`S1,${SEED20_HEX}\nSerial,Secret`)).toThrow(/line 2, column \d+: seed/);
  });

  test.each([
    [`S1`, /line 1: .*secret column missing/],
    [`S1,`, /line 1: .*secret column missing/],
    [`S1,${SEED20_HEX},0,extra`, /line 1: .*4 columns/],
    [`S1,${SEED20_HEX.slice(1)}`, /line 1, column \d+: seed: expected hex digits in pairs/],
    [`S1,zz${SEED20_HEX.slice(2)}`, /line 1, column \d+: seed: expected hex digits in pairs/],
    [`S1,${'ab'.repeat(9)}`, /line 1, column \d+: seed: expected 10\.\.64 bytes, got 9/],
    [`S1,${'ab'.repeat(65)}`, /line 1, column \d+: seed: expected 10\.\.64 bytes, got 65/],
    [`S1,${SEED20_HEX},-1`, /line 1, column \d+: counter: expected a non-negative integer/],
    [`S1,${SEED20_HEX},1.5`, /line 1, column \d+: counter/],
    [`,${SEED20_HEX}`, /line 1, column \d+: serial: missing/],
    [`has space,${SEED20_HEX}`, /line 1, column \d+: serial: expected only the characters/],
    [`${'x'.repeat(65)},${SEED20_HEX}`, /line 1, column \d+: serial: expected at most 50/],
    [`"S1,${SEED20_HEX}`, /line 1: unterminated quote/],
  ])('%j is refused: %s', (line, message) => {
    let caught: unknown;
    try {
      parse(line);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ImportError);
    expect((caught as ImportError).code).toBe('IMPORT_INVALID');
    expect((caught as Error).message).toMatch(message);
  });

  test('a counter on a TOTP file is an error', () => {
    expect(() => parse(`S1,${SEED20_HEX},5`, TOTP8)).toThrow(
      /line 1, column \d+: counter: only HOTP/,
    );
  });

  test('error messages never contain the seed', () => {
    const seed = 'abcdef0123456789abcdef0123456789abcdef0';
    try {
      parse(`S1,${seed}`);
      throw new Error('expected a refusal');
    } catch (err) {
      expect((err as Error).message).not.toContain(seed.slice(0, 10));
    }
  });
});
