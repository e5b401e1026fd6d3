import { modhexDecode, shownValue } from '../../core';
import type { ImportedToken } from '../types';
import { isBlankOrComment, splitCsvLine } from './csv-line';
import { ImportError } from './errors';
import { cell, parseAesKey, parsePrivateId, parsePublicId, parseSerial } from './fields';
import { isHeaderRow } from './pingid-csv';
import type { LineParser } from './types';

/**
 * The YubiKey Personalization Tool's configuration log (`configuration_log.csv`), Yubico OTP rows:
 *
 * "Traditional" log format, 18 columns, preceded by `LOGGING START,<time>` lines:
 *   event type, local time, slot, public id, private id, AES key, current access code,
 *   new access code, oathFixedModhex1, oathFixedModhex2, oathFixedModhex, HOTP digits,
 *   OATH moving factor, strongPw1, strongPw2, sendRef, chalBtnTrig, hmacLT64
 * "Yubico" log format (and the plain form people write by hand, its first four columns):
 *   serial, public id, private id, AES key[, new access code, ISO time, ]
 *
 * Only Yubico OTP configurations are imported (kind 'yubico'); a row for another mode (OATH-HOTP,
 * static password, challenge-response, update or swap) is an error rather than silently dropped,
 * because the file is all-or-nothing: remove those rows, or import OATH seeds with --format oath-csv.
 * The traditional format has no serial column: a serial-derived public id (modhex of ff 00 and the
 * serial, e.g. vvccccnjfvbg) gives the serial back; any other public id stands in as the serial.
 */
const TRADITIONAL_COLUMNS = 18;
const LOGGING_START = 'logging start';
const YUBICO_OTP_EVENT = 'yubico otp';
/** Event types the tool writes in the traditional format (its first column). */
export const YUBICO_LOG_EVENTS = [
  'yubico otp',
  'oath-hotp',
  'static password',
  'challenge-response',
  'configuration update',
  'configuration swap',
  'unknown programming mode',
];
/** Serial-derived public ids are modhex(SERIAL_ID_PREFIX || serial as 4 bytes big-endian). */
const SERIAL_ID_PREFIX = [0xff, 0x00];
const SERIAL_ID_BYTES = 6;

export function createYubicoCsvParser(): LineParser {
  let sawRecord = false;
  return {
    line(text: string, lineNo: number): ImportedToken | null {
      if (isBlankOrComment(text)) return null;
      const location = `line ${lineNo}`;
      const fields = splitCsvLine(text.replace(/^\uFEFF/, ''));
      if (fields === null) throw new ImportError(location, 'unterminated quote');
      const first = fields[0]!.toLowerCase();
      if (first === LOGGING_START) return null;
      const firstRecord = !sawRecord;
      sawRecord = true;
      if (isLogEvent(first)) return parseTraditional(fields, location);
      if (firstRecord && isHeaderRow(fields)) return null;
      return parseSerialFirst(fields, location);
    },
  };
}

export function isLogEvent(firstField: string): boolean {
  const f = firstField.trim().toLowerCase();
  return YUBICO_LOG_EVENTS.some((e) => f === e || f.startsWith(`${e}:`));
}

function parseTraditional(fields: string[], location: string): ImportedToken {
  if (fields[0]!.toLowerCase() !== YUBICO_OTP_EVENT) {
    throw new ImportError(
      location,
      `${shownValue(fields[0]!)} row: only Yubico OTP configurations can be imported (remove the row, or use --format oath-csv for OATH seeds)`,
    );
  }
  if (fields.length < TRADITIONAL_COLUMNS) {
    throw new ImportError(
      location,
      `expected ${TRADITIONAL_COLUMNS} columns in a personalization log row, got ${fields.length}`,
    );
  }
  // Some locales put a comma inside the local time (column 2); count the rest from the end.
  const shift = fields.length - TRADITIONAL_COLUMNS;
  const publicId = parsePublicId(fields[3 + shift], cell(location, 4 + shift));
  const privateId = parsePrivateId(fields[4 + shift], cell(location, 5 + shift));
  const secret = parseAesKey(fields[5 + shift], cell(location, 6 + shift));
  return yubicoImportedToken(serialFromPublicId(publicId), publicId, privateId, secret, location);
}

function parseSerialFirst(fields: string[], location: string): ImportedToken {
  if (fields.length < 4) {
    throw new ImportError(
      location,
      `expected serial, public id, private id, AES key: got ${fields.length} columns`,
    );
  }
  const serial = parseSerial(fields[0], cell(location, 1));
  if (!/^\d+$/.test(serial) && fields.length > 4) {
    // The tool's "Yubico" format always starts with the decimal serial.
    throw new ImportError(
      cell(location, 1),
      `serial: expected the YubiKey's decimal serial, got ${shownValue(serial)}`,
    );
  }
  if (
    fields[1] === '' ||
    fields[2] === '' ||
    (/^\d{1,10}$/.test(fields[2]!) && fields[3]!.replace(/\s/g, '').length === 40)
  ) {
    throw new ImportError(
      location,
      'not a Yubico OTP row (OATH-HOTP, challenge-response or static password): only Yubico OTP configurations can be imported',
    );
  }
  const publicId = parsePublicId(fields[1], cell(location, 2));
  const privateId = parsePrivateId(fields[2], cell(location, 3));
  const secret = parseAesKey(fields[3], cell(location, 4));
  return yubicoImportedToken(serial, publicId, privateId, secret, location);
}

/** The registry record of a Yubico OTP credential (digits and period are unused but must be valid). */
export function yubicoImportedToken(
  serial: string,
  publicId: string,
  privateId: Uint8Array,
  secret: Uint8Array,
  origin: string,
): ImportedToken {
  // digits/period are unused by Yubico OTP; the record still needs valid values.
  return {
    serial,
    kind: 'yubico',
    algorithm: 'sha1',
    digits: 6,
    period: 30,
    secret,
    publicId,
    privateId,
    origin,
  };
}

/** The decimal serial behind a serial-derived public id, else the public id itself. */
export function serialFromPublicId(publicId: string): string {
  const bytes = modhexDecode(publicId);
  if (
    bytes.length === SERIAL_ID_BYTES &&
    bytes[0] === SERIAL_ID_PREFIX[0] &&
    bytes[1] === SERIAL_ID_PREFIX[1]
  ) {
    return String(Buffer.from(bytes).readUInt32BE(2));
  }
  return publicId;
}
