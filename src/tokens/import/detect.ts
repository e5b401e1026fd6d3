import { isModhex } from '../../core';
import { isBlankOrComment, splitCsvLine } from './csv-line';
import { ImportError } from './errors';
import type { ImportFormat } from './types';
import { isLogEvent } from './yubico-csv';

/** How much of a file detection looks at: enough for a header and a few records. */
export const DETECT_BYTES = 64 * 1024;
const DETECT_RECORDS = 20;

/**
 * Tells the format from the start of a file:
 * - XML (`<` first)                                       -> pskc
 * - a `# version:` header, or a HOTP/TOTP/OCRA type column -> oath-csv
 * - a personalization-log row or `serial,modhex,12 hex,32 hex` -> yubico-csv
 * - otherwise `serial,hexsecret[,counter]`                -> csv (PingID)
 * A privacyIDEA file without a type column reads the same as PingID's; --format oath-csv picks it.
 */
export function detectFormat(head: string): ImportFormat {
  const text = head.replace(/^\uFEFF/, '');
  if (text.trimStart().startsWith('<')) return 'pskc';
  let records = 0;
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (/^#\s*version\s*:/i.test(t)) return 'oath-csv';
    if (isBlankOrComment(t)) continue;
    const fields = splitCsvLine(t);
    if (fields === null) continue;
    if (/^logging start$/i.test(fields[0]!) || isLogEvent(fields[0]!)) return 'yubico-csv';
    if (looksYubicoRow(fields)) return 'yubico-csv';
    if (fields.length >= 3 && /^(hotp|totp|ocra)$/i.test(fields[2]!)) return 'oath-csv';
    if (++records >= DETECT_RECORDS) break;
  }
  if (records === 0) {
    throw new ImportError('file', 'no records found: cannot tell the format (pass --format)');
  }
  return 'csv';
}

function looksYubicoRow(fields: readonly string[]): boolean {
  return (
    fields.length >= 4 &&
    fields[1] !== '' &&
    isModhex(fields[1]!.toLowerCase()) &&
    /^[0-9a-fA-F]{12}$/.test(fields[2]!.replace(/\s/g, '')) &&
    /^[0-9a-fA-F]{32}$/.test(fields[3]!.replace(/\s/g, ''))
  );
}
