import fc from 'fast-check';
import { couldBeSecret, shownValue } from '../../../src/core';
import { createLineParser, ImportError, parsePskc } from '../../../src/tokens/import';
import { fixture } from '../../fixtures/import/vectors';
import { readFileSync } from 'node:fs';

const SEED_HEX = '3132333435363738393031323334353637383930';
const SEED_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const SEED_BASE64 = 'MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ImportError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('couldBeSecret and shownValue: what an error message may quote', () => {
  test.each<[string, boolean]>([
    [SEED_HEX, true],
    ['31 32 33 34 35 36 37 38 39 30', true],
    ['31:32:33:34:35:36', true],
    ['8792ebfe26cc', true], // a Yubico private id: 6 bytes
    ['8792ebfe26c', false], // 5.5 bytes
    [SEED_BASE32, true],
    ['GEZD-GNBV-GY3T-QOJQ', true],
    ['GEZDGNBVGY3T', false], // 12 characters: too few for 10 bytes in any encoding
    [SEED_BASE64, true],
    ['MTIzNDU2Nzg5MD', true], // base64 of 10 bytes without padding
    ['-1', false],
    ['1.5', false],
    ['notacounter', false],
    ['HEXADECIMAL', false],
    ['urn:x:ocra', false],
    ['', false],
  ])('%p could be a secret: %p', (text, expected) => {
    expect(couldBeSecret(text)).toBe(expected);
  });

  test.each<[string, string]>([
    ['7', '"7"'],
    ['motp', '"motp"'],
    ['urn:ietf:params:xml:ns:keyprov:pskc:ocra', '"urn:ietf:params:xml:ns:keyprov:pskc:ocra"'],
    [SEED_BASE32, '32 characters (not shown: they could be key material)'],
    [`urn:${SEED_BASE32}`, '36 characters (not shown: they could be key material)'],
    [
      'ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67',
      '44 characters (not shown: they could be key material)',
    ],
    ['x'.repeat(200), '200 characters (not shown: they could be key material)'],
  ])('%p is shown as %s', (text, shown) => {
    expect(shownValue(text)).toBe(shown);
  });
});

describe('import errors name line and column and never quote what could be a seed', () => {
  test('the issue: a base32 seed in the counter column', () => {
    const parser = createLineParser('csv');
    const message = refusal(() => parser.line(`5000001,${SEED_HEX},${SEED_BASE32}`, 1));
    expect(message).toBe(
      'line 1, column 3: counter: expected a non-negative integer, got 32 characters (not shown: they could be key material)',
    );
    expect(message).not.toContain('GEZD');
  });

  test('a short, harmless value is still quoted', () => {
    const parser = createLineParser('csv');
    expect(refusal(() => parser.line(`5000001,${SEED_HEX},x1`, 1))).toBe(
      'line 1, column 3: counter: expected a non-negative integer, got "x1"',
    );
  });

  test.each<[string, string]>([
    [
      `5000001,${SEED_HEX.slice(1)}`,
      'line 1, column 2: seed: expected hex digits in pairs, got 39 hex digits, an odd number',
    ],
    [
      `5000001,${SEED_HEX.slice(0, 10)}zz${SEED_HEX.slice(12)}`,
      'line 1, column 2: seed: expected hex digits in pairs, got 40 characters, of which position 11 is not a hex digit',
    ],
  ])('a bad hex seed gets a whole sentence: %s', (line, message) => {
    expect(refusal(() => createLineParser('csv').line(line, 1))).toBe(message);
  });

  test('oath-csv: a seed in the digits column, after the version-2 user columns', () => {
    const parser = createLineParser('oath-csv');
    parser.line('# version: 2', 1);
    const message = refusal(() => parser.line(`alice,r,realm,T1,${SEED_HEX},TOTP,${SEED_HEX}`, 2));
    expect(message).toBe(
      'line 2, column 7: digits: expected 6 or 8, got 40 characters (not shown: they could be key material)',
    );
  });

  test('yubico-csv: a private id where the public id belongs', () => {
    const parser = createLineParser('yubico-csv');
    const message = refusal(() =>
      parser.line(`9999,8792ebfe26cc,8792ebfe26cc,ecde18dbe76fbd0c33330f1c354871db`, 1),
    );
    expect(message).toMatch(/^line 1, column 2: public id: expected 2\.\.32 modhex characters/);
    expect(message).not.toContain('8792ebfe26cc');
  });

  test('yubico-csv: a seed where the decimal serial belongs', () => {
    const parser = createLineParser('yubico-csv');
    const message = refusal(() =>
      parser.line(`ab${SEED_HEX},vvccccnjfvbg,8792ebfe26cc,ecde18dbe76fbd0c33330f1c354871db,x`, 1),
    );
    expect(message).toMatch(/^line 1, column 1: serial: expected the YubiKey's decimal serial/);
    expect(message).not.toContain(SEED_HEX.slice(0, 12));
  });

  test('PSKC: a base64 seed in a Counter', () => {
    const xml = readFileSync(fixture('rfc6030-figure3.pskcxml'), 'utf8').replace(
      '<PlainValue>0</PlainValue>',
      `<PlainValue>${SEED_BASE64}</PlainValue>`,
    );
    const message = refusal(() => [...parsePskc(xml)]);
    expect(message).toMatch(
      /Counter\/PlainValue: expected a non-negative integer, got 28 characters/,
    );
    expect(message).not.toContain('MTIz');
  });

  test('whatever the line, no field that could be a seed appears in the error', () => {
    const secretish = fc.oneof(
      fc.stringMatching(/^[0-9a-f]{12,64}$/),
      fc.stringMatching(/^[A-Z2-7]{16,64}$/),
      fc.stringMatching(/^[A-Za-z0-9+/]{14,60}$/),
    );
    const field = fc.oneof(secretish, fc.constantFrom('totp', 'hotp', '6', '30', 'x', ''));
    const line = fc.array(field, { minLength: 1, maxLength: 8 }).map((f) => f.join(','));
    for (const format of ['csv', 'oath-csv', 'yubico-csv'] as const)
      fc.assert(
        fc.property(line, (text) => {
          try {
            createLineParser(format).line(text, 1);
          } catch (err) {
            const message = (err as Error).message;
            for (const f of text.split(',')) if (couldBeSecret(f)) expect(message).not.toContain(f);
          }
        }),
      );
  });
});
