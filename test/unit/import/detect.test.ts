import { readFileSync } from 'node:fs';
import { ImportError, detectFormat, type ImportFormat } from '../../../src/tokens/import';
import { SEED20_HEX, fixture } from '../../fixtures/import/vectors';

describe('format detection', () => {
  test.each<[string, ImportFormat]>([
    ['pingid.txt', 'csv'],
    ['pingid-header.csv', 'csv'],
    ['oath.csv', 'oath-csv'],
    ['oath-v2.csv', 'oath-csv'],
    ['linotp.csv', 'oath-csv'],
    ['yubico-traditional.csv', 'yubico-csv'],
    ['yubico-format.csv', 'yubico-csv'],
    ['rfc6030-figure3.pskcxml', 'pskc'],
    ['rfc6030-figure7.pskcxml', 'pskc'],
  ])('%s -> %s', (name, format) => {
    expect(detectFormat(readFileSync(fixture(name), 'utf8'))).toBe(format);
  });

  test.each<[string, ImportFormat]>([
    [`\uFEFF<?xml version="1.0"?><KeyContainer/>`, 'pskc'],
    [`  \n<KeyContainer/>`, 'pskc'],
    [`s1,${SEED20_HEX}\ns2,${SEED20_HEX},5`, 'csv'],
    [`s1, ${SEED20_HEX}\ns2, ${SEED20_HEX}, totp, 6, 30`, 'oath-csv'],
    [`# version: 2\n`, 'oath-csv'],
    [`LOGGING START,1/1/2020 10:00\n`, 'yubico-csv'],
    [`Static Password,x,1,,d5a3d50327dc,${'00'.repeat(16)}`, 'yubico-csv'],
    [`1,dteffuje,8792ebfe26cc,ecde18dbe76fbd0c33330f1c354871db`, 'yubico-csv'],
  ])('%j -> %s', (head, format) => {
    expect(detectFormat(head)).toBe(format);
  });

  test('a file with no records cannot be told apart', () => {
    expect(() => detectFormat('\n# only a comment\n')).toThrow(ImportError);
    expect(() => detectFormat('')).toThrow(
      /no records found: cannot tell the format \(pass --format\)/,
    );
  });
});
