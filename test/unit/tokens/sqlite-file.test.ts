import Database from 'better-sqlite3';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, TokenBridgeError } from '../../../src/core';
import { SCHEMA_VERSION } from '../../../src/tokens';
import { APPLICATION_ID, migrate, MIGRATIONS } from '../../../src/tokens/sqlite/schema';
import { hotpToken, importTokens, openStore, tempDir, totpToken } from './registry-fixtures';

/** What only the SQLite file has: its modes, pragmas, schema versions and the checks at open. */
let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const file = () => join(dir, 'store.sqlite');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof TokenBridgeError ? err.code : `not a TokenBridgeError: ${String(err)}`;
  }
  return undefined;
}

describe('opening a registry file', () => {
  test('creates a private file in WAL mode with the current schema and our application id', () => {
    openStore(dir).closeSync();
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    const db = new Database(file());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    db.close();
  });

  test('every connection runs WAL and synchronous=FULL, and waits for locks on timers', () => {
    const store = openStore(dir, { busyTimeoutMs: 1234 });
    expect(store.settings()).toEqual({ journalMode: 'wal', synchronous: 'FULL', lockWaitMs: 1234 });
    store.closeSync();
  });

  test('a schema newer than the code is refused with the versions in the message', () => {
    openStore(dir).closeSync();
    const db = new Database(file());
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openStore(dir)).toThrow(
      new RegExp(`schema version ${SCHEMA_VERSION + 1}.*up to ${SCHEMA_VERSION}: upgrade`),
    );
  });

  test('migrations run in order from the stored version, once', () => {
    const db = new Database(join(dir, 'm.sqlite'));
    expect(migrate(db, 'm', MIGRATIONS)).toBe(SCHEMA_VERSION);
    const next = [...MIGRATIONS, 'ALTER TABLE tokens ADD COLUMN note TEXT'];
    expect(migrate(db, 'm', next)).toBe(next.length);
    expect(migrate(db, 'm', next)).toBe(next.length); // nothing left to run: no duplicate column
    const columns = db.prepare('PRAGMA table_info(tokens)').all() as Array<{ name: string }>;
    expect(columns.map((c) => c.name)).toContain('note');
    db.close();
  });

  test('a registry made before migration 2 is brought up to date and keeps its tokens', async () => {
    const db = new Database(file());
    db.pragma('journal_mode = WAL');
    migrate(db, 'old', MIGRATIONS.slice(0, 1));
    db.pragma('application_id = 0'); // as version 1 left it
    db.close();
    const store = openStore(dir);
    await importTokens(store, [hotpToken('A1')]);
    expect((await store.audit()).map((e) => e.node)).toEqual(['']);
    store.closeSync();
  });

  test('a page of the listing reads the serial-order index, not a sort of the whole registry', async () => {
    const store = openStore(dir);
    await importTokens(store, [hotpToken('4242'), hotpToken('100001'), hotpToken('77')]);
    expect((await store.list({ afterSerial: '77', limit: 5 })).map((t) => t.serial)).toEqual([
      '4242',
      '100001',
    ]);
    store.closeSync();
    const db = new Database(file(), { readonly: true });
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT * FROM tokens
         WHERE (length(serial), serial) > (length(@after), @after)
         ORDER BY length(serial), serial LIMIT 5`,
      )
      .all({ after: '77' }) as Array<{ detail: string }>;
    db.close();
    expect(plan.map((p) => p.detail).join('; ')).toMatch(/USING INDEX tokens_serial_order/);
    expect(plan.map((p) => p.detail).join('; ')).not.toMatch(/TEMP B-TREE/);
  });

  test('a file that is not a database is refused, not initialised', () => {
    writeFileSync(file(), 'x'.repeat(4096));
    expect(() => openStore(dir)).toThrow(/is not an SQLite database/);
    expect(codeOf(() => openStore(dir))).toBe(ErrorCode.STORE_CORRUPT);
  });

  test('a zero-length file is refused, not treated as a new registry', () => {
    writeFileSync(file(), '');
    expect(() => openStore(dir)).toThrow(/is empty \(zero bytes\)/);
    expect(codeOf(() => openStore(dir))).toBe(ErrorCode.STORE_CORRUPT);
    expect(statSync(file()).size).toBe(0); // left as it was
  });

  test("another program's SQLite database is refused", () => {
    const db = new Database(file());
    db.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY)');
    db.close();
    expect(() => openStore(dir)).toThrow(/another program's SQLite database/);
    const other = new Database(join(dir, 'other.sqlite'));
    other.pragma('application_id = 42');
    other.exec('CREATE TABLE tokens (x); CREATE TABLE audit (y)');
    other.close();
    expect(() => openStore(dir, { path: join(dir, 'other.sqlite') })).toThrow(/another program/);
  });

  test('a damaged file fails PRAGMA quick_check at open', async () => {
    const store = openStore(dir);
    await importTokens(
      store,
      Array.from({ length: 400 }, (_, i) => hotpToken(`T${i}`)),
    );
    store.closeSync();
    // Overwrite the middle of the file (index and table pages) with garbage, keeping the header.
    const bytes = readFileSync(file());
    const pageSize = bytes.readUInt16BE(16);
    for (let at = pageSize * 2; at < bytes.length - pageSize; at += pageSize * 3) {
      bytes.fill(0x5a, at + 8, at + pageSize);
    }
    writeFileSync(file(), bytes);
    expect(codeOf(() => openStore(dir))).toBe(ErrorCode.STORE_CORRUPT);
  });

  test('checkIntegrity runs PRAGMA integrity_check', async () => {
    const store = openStore(dir);
    await importTokens(store, [hotpToken('A1'), totpToken('T1')]);
    expect(store.checkIntegrity()).toEqual({ ok: true, problems: [] });
    store.closeSync();
  });

  test('a store that fails later turns unhealthy with a reason that names no path', async () => {
    const store = openStore(dir);
    expect(store.health()).toEqual({ ok: true });
    store.closeSync();
    await expect(store.count()).rejects.toMatchObject({ code: ErrorCode.STORE_IO });
    const health = store.health();
    expect(health).toMatchObject({ ok: false, code: ErrorCode.STORE_IO });
    expect(JSON.stringify(health)).not.toContain(dir);
  });
});
