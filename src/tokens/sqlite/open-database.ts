import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync, constants as fsConstants } from 'node:fs';
import { dirname } from 'node:path';
import { asStoreError } from './errors';
import { migrate } from './schema';

const STORE_DIR_MODE = 0o700;
const STORE_FILE_MODE = 0o600; // SQLite gives the -wal and -shm files the same mode
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the registry file: WAL so readers never block the writer,
 * synchronous=FULL so every commit (a counter moving forward) is on disk before it returns, and a
 * busy timeout so several processes can share the file.
 */
export function openDatabase(
  path: string,
  busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS,
): Database.Database {
  let db: Database.Database | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: STORE_DIR_MODE });
    // Create it ourselves so the file is private from the first byte.
    closeSync(openSync(path, fsConstants.O_RDWR | fsConstants.O_CREAT, STORE_FILE_MODE));
    db = new Database(path, { timeout: busyTimeoutMs });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    migrate(db, path);
    return db;
  } catch (err) {
    db?.close();
    throw asStoreError(err, path);
  }
}
