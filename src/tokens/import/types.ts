import type { Digits, Period } from '../../otp';
import type { ImportedToken } from '../types';

export type ImportFormat = 'csv' | 'oath-csv' | 'yubico-csv' | 'pskc';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['csv', 'oath-csv', 'yubico-csv', 'pskc'];

/** What the PingID `csv` format cannot say about itself: one token type per file. */
export interface CsvDefaults {
  readonly type: 'hotp' | 'totp';
  readonly digits: Digits;
  readonly period: Period;
}

export const DEFAULT_CSV: CsvDefaults = { type: 'hotp', digits: 6, period: 30 };

/**
 * A CSV importer, fed one line at a time in order (line numbers from 1). It keeps what a header
 * told it and returns the token on the line, or null for a blank, comment or header line.
 */
export interface LineParser {
  line(text: string, lineNo: number): ImportedToken | null;
}
