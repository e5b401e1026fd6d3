import { createOathCsvParser } from './oath-csv';
import { createPingIdCsvParser } from './pingid-csv';
import { DEFAULT_CSV, type CsvDefaults, type ImportFormat, type LineParser } from './types';
import { createYubicoCsvParser } from './yubico-csv';
import type { ImportedToken } from '../types';

export function createLineParser(
  format: Exclude<ImportFormat, 'pskc'>,
  csv: CsvDefaults = DEFAULT_CSV,
): LineParser {
  switch (format) {
    case 'csv':
      return createPingIdCsvParser(csv);
    case 'oath-csv':
      return createOathCsvParser();
    case 'yubico-csv':
      return createYubicoCsvParser();
  }
}

/** Runs a line parser over lines in memory (tests, small inputs); files go through importFile. */
export function* parseLines(parser: LineParser, lines: Iterable<string>): Generator<ImportedToken> {
  let lineNo = 0;
  for (const line of lines) {
    const token = parser.line(line, ++lineNo);
    if (token) yield token;
  }
}
