import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { TokenBridgeError, UsageError } from '../../core';
import type { ImportedToken, ImportOptions, ImportSession, ImportSummary } from '../types';
import { DETECT_BYTES, detectFormat } from './detect';
import { ImportError } from './errors';
import { createLineParser } from './line-parser';
import type { PskcSecrets } from './pskc/container-keys';
import { parsePskc } from './pskc/pskc';
import type { CsvDefaults, ImportFormat } from './types';

/** Whatever opens an import session: the registry's store. */
export interface ImportTarget {
  beginImport(options: ImportOptions): Promise<ImportSession>;
}

export interface ImportProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly tokens: number;
}

export interface ImportFileOptions {
  readonly replace: boolean;
  readonly dryRun: boolean;
  /** Detected from the content when absent. */
  readonly format?: ImportFormat;
  /** Type, digits and period for the `csv` format; refused for the others. */
  readonly csv?: CsvDefaults;
  /** Key or password for an encrypted PSKC file; refused for the CSV formats. */
  readonly secrets?: PskcSecrets;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** PSKC is parsed whole; larger files are refused. */
  readonly maxXmlBytes?: number;
}

export interface ImportFileResult extends ImportSummary {
  readonly format: ImportFormat;
  /** Tokens read from the file (added + replaced, also on a dry run). */
  readonly tokens: number;
}

export const DEFAULT_MAX_XML_BYTES = 256 * 1024 * 1024;
const UTF16_BOMS = [
  [0xff, 0xfe],
  [0xfe, 0xff],
];

/**
 * Imports one seed file all-or-nothing: tokens go into one import session as they are parsed (CSV
 * line by line, never a whole-file array), and any error rolls the session back and is rethrown
 * with its location. Returns the session's summary.
 */
export async function importFile(
  target: ImportTarget,
  file: string,
  options: ImportFileOptions,
): Promise<ImportFileResult> {
  const totalBytes = await fileSize(file);
  const format = options.format ?? detectFormat(await readHead(file));
  if (options.csv && format !== 'csv') {
    throw new UsageError(
      `--type, --digits and --period apply to the csv format only; this file is ${format}`,
    );
  }
  if (options.secrets && format !== 'pskc') {
    throw new UsageError(
      `--key and --password apply to the pskc format only; this file is ${format}`,
    );
  }
  const session = await target.beginImport({
    replace: options.replace,
    dryRun: options.dryRun,
    source: `${basename(file)} (${format})`,
  });
  let tokens = 0;
  const add = async (token: ImportedToken, bytesRead: number) => {
    await addWithOrigin(session, token);
    tokens++;
    options.onProgress?.({ bytesRead, totalBytes, tokens });
  };
  try {
    if (format === 'pskc') {
      if (totalBytes > (options.maxXmlBytes ?? DEFAULT_MAX_XML_BYTES)) {
        throw new ImportError('file', `${totalBytes} bytes is too large for a PSKC file`);
      }
      const xml = await readFile(file, 'utf8');
      // Progress for XML is per KeyPackage; bytes are all read up front.
      for (const token of parsePskc(xml, options.secrets)) await add(token, totalBytes);
    } else {
      const parser = createLineParser(format, options.csv);
      const stream = createReadStream(file, { encoding: 'utf8' });
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      let lineNo = 0;
      try {
        for await (const line of lines) {
          const token = parser.line(line, ++lineNo);
          if (token) await add(token, stream.bytesRead);
        }
      } finally {
        lines.close();
        stream.destroy();
      }
    }
    const summary = await session.commit();
    return { ...summary, format, tokens };
  } catch (err) {
    try {
      await session.rollback();
    } catch {
      // The original error says what went wrong; a failed rollback of an uncommitted session
      // leaves nothing behind.
    }
    throw err;
  }
}

/** The store's own errors (a duplicate serial) get the token's location in front. */
async function addWithOrigin(session: ImportSession, token: ImportedToken): Promise<void> {
  try {
    await session.add(token);
  } catch (err) {
    if (err instanceof TokenBridgeError && !err.message.startsWith(token.origin)) {
      throw new TokenBridgeError(err.code, `${token.origin}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new ImportError(file, 'not a regular file');
    return s.size;
  } catch (err) {
    if (err instanceof ImportError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ImportError(file, `cannot read (${code})`, { cause: err });
  }
}

async function readHead(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(DETECT_BYTES);
    const { bytesRead } = await handle.read(buf, 0, DETECT_BYTES, 0);
    const head = buf.subarray(0, bytesRead);
    if (UTF16_BOMS.some(([a, b]) => head[0] === a && head[1] === b)) {
      throw new ImportError('file', 'UTF-16 text: save the file as UTF-8');
    }
    // A cut in the middle of a multi-byte character only spoils the last line, which detection
    // can do without.
    return head.toString('utf8');
  } finally {
    await handle.close();
  }
}
