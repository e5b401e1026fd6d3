import type { HashAlgorithm } from '../../otp';
import type { ImportedToken } from '../types';
import { splitCsvLine } from './csv-line';
import { ImportError } from './errors';
import { shownValue } from '../../core';
import {
  cell,
  hashForSeedLength,
  isHashName,
  parseCounter,
  parseDigits,
  parseHash,
  parseHexSeed,
  parsePeriod,
  parseSerial,
} from './fields';
import type { LineParser } from './types';

/**
 * privacyIDEA / LinOTP OATH CSV:
 *   serial, seed, TOTP, digits, period[, hash]
 *   serial, seed[, HOTP[, digits[, counter]]][, hash]
 * Fields are trimmed; `#` lines are comments. The hash column (LinOTP, sha1|sha256|sha512) may stand
 * anywhere after the type; without it the hash follows the seed length (20 bytes SHA-1, 32 SHA-256,
 * 64 SHA-512, anything else SHA-1), as both servers do.
 *
 * A first line `# version: 2` (privacyIDEA) puts three user columns first:
 *   username, resolver, realm, serial, seed, type, ...
 * They assign the token to a user in privacyIDEA; a token here is paired by its user in the pairing
 * flow, so those three columns are read past and not imported.
 */
const VERSION_HEADER = /^#\s*version\s*:\s*(\d+)\s*$/i;
const USER_COLUMNS_V2 = 3; // username, resolver, realm

export function createOathCsvParser(): LineParser {
  let userColumns = 0;
  let sawRecord = false;
  return {
    line(text: string, lineNo: number): ImportedToken | null {
      const trimmed = text.replace(/^\uFEFF/, '').trim();
      const location = `line ${lineNo}`;
      if (trimmed === '') return null;
      if (trimmed.startsWith('#')) {
        const version = VERSION_HEADER.exec(trimmed);
        if (version) {
          if (sawRecord)
            throw new ImportError(location, '"# version:" must come before the records');
          if (version[1] === '1') userColumns = 0;
          else if (version[1] === '2') userColumns = USER_COLUMNS_V2;
          else
            throw new ImportError(
              location,
              `unknown OATH CSV version ${version[1]} (expected 1 or 2)`,
            );
        }
        return null;
      }
      sawRecord = true;
      const all = splitCsvLine(trimmed);
      if (all === null) throw new ImportError(location, 'unterminated quote');
      if (all.length < userColumns + 2) {
        throw new ImportError(
          location,
          userColumns
            ? 'expected username, resolver, realm, serial, seed[, type, ...] (version 2): columns missing'
            : 'expected serial, seed[, type, ...]: seed column missing',
        );
      }
      return parseRecord(all.slice(userColumns), userColumns, location);
    },
  };
}

/** One record after the user columns; `skipped` of them came first (for the column numbers). */
function parseRecord(fields: string[], skipped: number, location: string): ImportedToken {
  const at = (index: number) => cell(location, skipped + index + 1);
  const serial = parseSerial(fields[0], at(0));
  const secret = parseHexSeed(fields[1], at(1));
  // The columns after the seed, each with its index in `fields`, the hash column taken out.
  const rest = fields.slice(2).map((text, i) => ({ text, index: i + 2 }));
  let hash: HashAlgorithm | undefined;
  const hashAt = rest.findIndex((f, i) => i >= 1 && isHashName(f.text));
  if (hashAt >= 0) {
    hash = parseHash(rest[hashAt]!.text, at(rest[hashAt]!.index));
    rest.splice(hashAt, 1);
  }
  while (rest.length > 0 && rest[rest.length - 1]!.text === '') rest.pop(); // trailing commas
  const column = (i: number) => at(rest[i]?.index ?? fields.length);
  const type = (rest[0]?.text ?? '').toLowerCase() || 'hotp';
  if (type === 'ocra') throw new ImportError(column(0), 'type: OCRA tokens are not supported');
  if (type !== 'hotp' && type !== 'totp') {
    throw new ImportError(
      column(0),
      `type: expected HOTP or TOTP, got ${shownValue(rest[0]?.text ?? '')}`,
    );
  }
  if (rest.length > 3) {
    throw new ImportError(
      location,
      `expected at most serial, seed, type, digits, ${type === 'totp' ? 'period' : 'counter'}, hash: got extra columns`,
    );
  }
  const digits = rest[1]?.text ? parseDigits(rest[1].text, column(1)) : 6;
  const algorithm = hash ?? hashForSeedLength(secret.length);
  if (type === 'totp') {
    const period = rest[2]?.text ? parsePeriod(rest[2].text, column(2)) : 30;
    return { serial, kind: 'totp', algorithm, digits, period, secret, origin: location };
  }
  const counter = rest[2]?.text ? parseCounter(rest[2].text, column(2)) : 0;
  return { serial, kind: 'hotp', algorithm, digits, period: 30, secret, counter, origin: location };
}
