import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants as fsConstants,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, StoreError } from '../../core';
import { fsyncDir } from '../seed-key';
import { asStoreError } from './errors';
import { APPLICATION_ID, migrate } from './schema';

const STORE_DIR_MODE = 0o700;
const STORE_FILE_MODE = 0o600; // SQLite gives the -wal and -shm files the same mode
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** The first bytes of every SQLite database file. */
const SQLITE_HEADER = 'SQLite format 3\0';

export interface OpenedDatabase {
  readonly db: Database.Database;
  readonly version: number;
  /** The migrations this open applied (all of them for a registry it created). */
  readonly appliedNow: readonly number[];
}

export interface OpenDatabaseOptions {
  /** How long opening waits for another process's write lock (a migration running elsewhere). */
  readonly busyTimeoutMs?: number;
  /** Create the file when it does not exist (an import staging file, a new registry). */
  readonly create?: boolean;
}

/**
 * Opens the registry file, creating it when it does not exist: WAL so readers never block the
 * writer, synchronous=FULL so every commit (a counter moving forward) is on disk before it returns.
 * A file that exists must be a tokenbridge registry: a zero-length file, a file that is not SQLite
 * and another program's database are refused (STORE_CORRUPT), never initialised over, and
 * `PRAGMA quick_check` must pass.
 *
 * The connection keeps the busy timeout only while it opens (a migration in another process takes
 * milliseconds); the store then sets it to 0 and waits for a busy lock asynchronously (see
 * busy-retry.ts), so the event loop never sleeps inside SQLite waiting for another process.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): OpenedDatabase {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  let db: Database.Database | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: STORE_DIR_MODE });
    const created = options.create !== false && createIfMissing(path, busyTimeoutMs);
    refuseForeign(path);
    db = new Database(path, { timeout: busyTimeoutMs, fileMustExist: true });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    refuseOtherApplications(db, path);
    const before = created ? 0 : (db.pragma('user_version', { simple: true }) as number);
    const version = migrate(db, path);
    quickCheck(db, path);
    const appliedNow = Array.from({ length: version - before }, (_, i) => before + i + 1);
    return { db, version, appliedNow };
  } catch (err) {
    db?.close();
    throw asStoreError(err, path);
  }
}

/**
 * A new registry is built whole under a temporary name and linked into place, so no process ever
 * sees a half-made file (and a zero-length file always means damage). When two processes create it
 * at once, the second link fails and that process opens the first one's file.
 */
function createIfMissing(path: string, busyTimeoutMs: number): boolean {
  if (exists(path)) return false;
  const tmp = `${path}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
  closeSync(
    openSync(tmp, fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_EXCL, STORE_FILE_MODE),
  );
  try {
    const fresh = new Database(tmp, { timeout: busyTimeoutMs });
    try {
      fresh.pragma('journal_mode = WAL');
      fresh.pragma('synchronous = FULL');
      migrate(fresh, path);
    } finally {
      fresh.close();
    }
    try {
      linkSync(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return false;
    }
    fsyncDir(dirname(path));
    return true;
  } finally {
    for (const leftover of [tmp, `${tmp}-wal`, `${tmp}-shm`]) {
      try {
        unlinkSync(leftover);
      } catch {
        // not there
      }
    }
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Looks at the file before SQLite does: SQLite would silently turn an empty file into a database. */
function refuseForeign(path: string): void {
  const info = statSync(path);
  if (!info.isFile()) throw corrupt(path, 'is not a regular file');
  if (info.size === 0) {
    throw corrupt(
      path,
      'is empty (zero bytes): it was truncated or never written; restore it from a backup, or move it away to start a new registry',
    );
  }
  const fd = openSync(path, fsConstants.O_RDONLY);
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n < head.length || head.toString('latin1') !== SQLITE_HEADER) {
      throw corrupt(path, 'is not an SQLite database');
    }
  } finally {
    closeSync(fd);
  }
}

/** Another program's SQLite database (its own application id, or tables but not ours). */
function refuseOtherApplications(db: Database.Database, path: string): void {
  const id = db.pragma('application_id', { simple: true }) as number;
  if (id === APPLICATION_ID) return;
  const tables = db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all();
  // Registries made before the application id was set carry our two tables and a schema version.
  const legacy =
    id === 0 &&
    (db.pragma('user_version', { simple: true }) as number) >= 1 &&
    tables.includes('tokens') &&
    tables.includes('audit');
  if (!legacy)
    throw corrupt(path, "is another program's SQLite database, not a tokenbridge registry");
}

function quickCheck(db: Database.Database, path: string): void {
  const rows = db.pragma('quick_check', { simple: false }) as Array<{ quick_check: string }>;
  const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
  if (problems.length > 0) {
    throw corrupt(path, `fails PRAGMA quick_check: ${problems.slice(0, 3).join('; ')}`);
  }
}

function corrupt(path: string, what: string): StoreError {
  return new StoreError(ErrorCode.STORE_CORRUPT, `store ${path} ${what}`);
}
