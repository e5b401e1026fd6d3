import type { ImportedToken } from '../types';
import { isBlankOrComment, splitCsvLine } from './csv-line';
import { ImportError } from './errors';
import { cell, parseCounter, parseHexSeed, parseSerial } from './fields';
import { DEFAULT_CSV, type CsvDefaults, type LineParser } from './types';

/**
 * The PingID seed file: `serial,hexsecret[,counter]` per line (`.txt`, or `.csv` with the two in
 * cells, optionally quoted). One token type per file, chosen at import; the counter column is for
 * HOTP only. PingID HOTP is SHA-1 only, and its files carry no hash column, so every token is SHA-1.
 * The first record may be a header row when it is clearly one (words, no hex seed).
 */
export function createPingIdCsvParser(defaults: CsvDefaults = DEFAULT_CSV): LineParser {
  let sawRecord = false;
  return {
    line(text: string, lineNo: number): ImportedToken | null {
      if (isBlankOrComment(text)) return null;
      const location = `line ${lineNo}`;
      const fields = splitCsvLine(text.replace(/^\uFEFF/, ''));
      if (fields === null) throw new ImportError(location, 'unterminated quote');
      if (!sawRecord) {
        sawRecord = true;
        if (isHeaderRow(fields)) return null;
      }
      if (fields.length < 2 || fields[1] === '') {
        throw new ImportError(
          location,
          'expected serial,hexsecret[,counter]: secret column missing',
        );
      }
      if (fields.length > 3) {
        throw new ImportError(
          location,
          `expected serial,hexsecret[,counter]: got ${fields.length} columns`,
        );
      }
      const serial = parseSerial(fields[0], cell(location, 1));
      const secret = parseHexSeed(fields[1], cell(location, 2));
      let counter = 0;
      if (fields.length === 3 && fields[2] !== '') {
        if (defaults.type !== 'hotp') {
          throw new ImportError(
            cell(location, 3),
            'counter: only HOTP tokens have a counter (--type hotp)',
          );
        }
        counter = parseCounter(fields[2], cell(location, 3));
      }
      return {
        serial,
        kind: defaults.type,
        algorithm: 'sha1',
        digits: defaults.digits,
        period: defaults.period,
        secret,
        ...(defaults.type === 'hotp' ? { counter } : {}),
        origin: location,
      };
    },
  };
}

/** Words only, and the second column is not hex: `Serial,Secret`, `"serial number","seed"`. */
export function isHeaderRow(fields: readonly string[]): boolean {
  if (fields.length < 2) return false;
  const words = fields.every((f) => /^[A-Za-z][A-Za-z _().-]*$/.test(f));
  return words && !/^(?:[0-9a-fA-F]{2})+$/.test(fields[1]!.replace(/\s/g, ''));
}
