import { readFileSync } from 'node:fs';
import { ImportError, createOathCsvParser, parseLines } from '../../../src/tokens/import';
import { SEED20_HEX, SEED32_HEX, SEED64_HEX, fixture } from '../../fixtures/import/vectors';

function parse(text: string) {
  return [...parseLines(createOathCsvParser(), text.split(/\r?\n/))];
}

describe('OATH CSV importer (privacyIDEA / LinOTP)', () => {
  test('HOTP and TOTP rows with their defaults, comments skipped', () => {
    const tokens = parse(readFileSync(fixture('oath.csv'), 'utf8'));
    expect(tokens.map(({ secret: _s, ...rest }) => rest)).toEqual([
      {
        serial: 'hotp1',
        kind: 'hotp',
        algorithm: 'sha1',
        digits: 6,
        period: 30,
        counter: 0,
        origin: 'line 2',
      },
      {
        serial: 'hotp2',
        kind: 'hotp',
        algorithm: 'sha1',
        digits: 8,
        period: 30,
        counter: 42,
        origin: 'line 3',
      },
      { serial: 'totp1', kind: 'totp', algorithm: 'sha1', digits: 6, period: 60, origin: 'line 4' },
      {
        serial: 'totp256',
        kind: 'totp',
        algorithm: 'sha256',
        digits: 8,
        period: 30,
        origin: 'line 5',
      },
    ]);
  });

  test.each([
    [SEED20_HEX, 'sha1'],
    [SEED32_HEX, 'sha256'],
    [SEED64_HEX, 'sha512'],
    ['ab'.repeat(16), 'sha1'], // any other length stays SHA-1
  ])('without a hash column the hash follows the seed length (%s)', (seed, hash) => {
    expect(parse(`s, ${seed}, totp, 6, 30`)[0]!.algorithm).toBe(hash);
  });

  test("LinOTP's hash column overrides the seed length", () => {
    const tokens = parse(readFileSync(fixture('linotp.csv'), 'utf8'));
    expect(tokens.map((t) => [t.serial, t.kind, t.algorithm, t.digits])).toEqual([
      ['lin1', 'totp', 'sha256', 6],
      ['lin2', 'hotp', 'sha512', 8],
    ]);
  });

  test('"# version: 2" puts username, resolver, realm first; they are read past', () => {
    const tokens = parse(readFileSync(fixture('oath-v2.csv'), 'utf8'));
    expect(tokens.map((t) => [t.serial, t.kind, t.digits, t.counter ?? t.period])).toEqual([
      ['v2hotp', 'hotp', 6, 5],
      ['v2totp', 'totp', 8, 30],
    ]);
  });

  test.each([
    [`s`, /line 1: .*seed column missing/],
    [
      `s, ${SEED20_HEX}, OCRA, OCRA-1:HOTP-SHA1-6:QN08`,
      /line 1, column \d+: type: OCRA tokens are not supported/,
    ],
    [`s, ${SEED20_HEX}, motp`, /line 1, column \d+: type: expected HOTP or TOTP, got "motp"/],
    [`s, ${SEED20_HEX}, totp, 7`, /line 1, column \d+: digits: expected 6 or 8, got "7"/],
    [
      `s, ${SEED20_HEX}, totp, 6, 45`,
      /line 1, column \d+: period: expected 30 or 60 seconds, got "45"/,
    ],
    [`s, ${SEED20_HEX}, hotp, 6, x`, /line 1, column \d+: counter/],
    [`s, ${SEED20_HEX}, totp, 6, 30, md5, 1`, /line 1: expected at most/],
    [`s, ${SEED20_HEX}x`, /line 1, column \d+: seed: expected hex digits in pairs/],
    [`s, 0102030405`, /line 1, column \d+: seed: expected 10\.\.64 bytes, got 5/],
  ])('%j is refused', (line, message) => {
    expect(() => parse(line)).toThrow(message);
    expect(() => parse(line)).toThrow(ImportError);
  });

  test('version 2 rows without the user columns are refused with the line', () => {
    expect(() => parse(`# version: 2\nserial1, ${SEED20_HEX}`)).toThrow(
      /line 2: expected username, resolver, realm, serial, seed/,
    );
  });

  test('a version header after the first record, or an unknown version, is refused', () => {
    expect(() => parse(`s, ${SEED20_HEX}\n# version: 2`)).toThrow(
      /line 2: "# version:" must come before/,
    );
    expect(() => parse(`# version: 3`)).toThrow(/line 1: unknown OATH CSV version 3/);
  });
});
