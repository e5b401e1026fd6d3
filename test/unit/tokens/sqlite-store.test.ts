import Database from 'better-sqlite3';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, TokenBridgeError } from '../../../src/core';
import { SCHEMA_VERSION, TokenVerifier, type ImportedToken } from '../../../src/tokens';
import { migrate, MIGRATIONS } from '../../../src/tokens/sqlite/schema';
import {
  hotpToken,
  importTokens,
  openStore,
  tempDir,
  totpToken,
  yubicoToken,
} from './registry-fixtures';
import { ManualClock } from '../../helpers/manual-clock';
import { verifierSettings } from '../../helpers/config';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof TokenBridgeError ? err.code : `not a TokenBridgeError: ${String(err)}`;
  }
  return undefined;
}

describe('opening a store', () => {
  test('creates a private file in WAL mode with the current schema', () => {
    const store = openStore(dir);
    store.closeSync();
    expect(statSync(join(dir, 'store.sqlite')).mode & 0o777).toBe(0o600);
    const db = new Database(join(dir, 'store.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  test('every connection runs WAL, synchronous=FULL and a busy timeout', () => {
    const store = openStore(dir, { busyTimeoutMs: 1234 });
    expect(store.settings()).toEqual({
      journalMode: 'wal',
      synchronous: 'FULL',
      busyTimeoutMs: 1234,
    });
    store.closeSync();
  });

  test('reopening keeps the tokens', async () => {
    const store = openStore(dir);
    importTokens(store, [hotpToken('A1')]);
    store.closeSync();
    const again = openStore(dir);
    expect((await again.get('A1'))?.kind).toBe('hotp');
    again.closeSync();
  });

  test('a schema newer than the code is refused with the versions in the message', () => {
    openStore(dir).closeSync();
    const db = new Database(join(dir, 'store.sqlite'));
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

  test('a file that is not a database is reported as such', () => {
    writeFileSync(join(dir, 'store.sqlite'), 'x'.repeat(4096));
    expect(() => openStore(dir)).toThrow(/is damaged or not a tokenbridge store/);
    expect(codeOf(() => openStore(dir))).toBe(ErrorCode.STORE_CORRUPT);
  });

  test('checkIntegrity runs PRAGMA integrity_check', () => {
    const store = openStore(dir);
    importTokens(store, [hotpToken('A1'), totpToken('T1')]);
    expect(store.checkIntegrity()).toEqual({ ok: true, problems: [] });
    store.closeSync();
  });
});

describe('records', () => {
  test('a record carries state and metadata but no secret', async () => {
    const clock = new ManualClock(1234);
    const store = openStore(dir, { clock });
    importTokens(store, [hotpToken('H1', { counter: 7 }), yubicoToken('Y1', 'dteffuje')]);
    const h = await store.get('H1');
    expect(h).toMatchObject({
      serial: 'H1',
      kind: 'hotp',
      counter: 7,
      lastStep: null,
      user: null,
      importedAt: 1234,
      failCount: 0,
      lockedUntil: null,
      lockCount: 0,
      keyId: store.keyId,
    });
    expect(Object.keys(h!)).not.toContain('secret');
    expect(JSON.stringify(h)).not.toContain('3132333435'); // the seed as hex
    expect((await store.findByPublicId('dteffuje'))?.serial).toBe('Y1');
    expect(await store.get('nope')).toBeNull();
    store.closeSync();
  });

  test('list pages by serial; count counts', async () => {
    const store = openStore(dir);
    importTokens(
      store,
      ['C', 'A', 'B', 'D'].map((s) => hotpToken(s)),
    );
    expect((await store.list()).map((r) => r.serial)).toEqual(['A', 'B', 'C', 'D']);
    expect((await store.list({ afterSerial: 'B', limit: 1 })).map((r) => r.serial)).toEqual(['C']);
    expect(await store.count()).toBe(4);
    store.closeSync();
  });

  test('load decrypts the secret for a verification', async () => {
    const store = openStore(dir);
    importTokens(store, [hotpToken('H1'), yubicoToken('Y1', 'dteffuje')]);
    const h = await store.load('H1');
    expect(h!.secret.secret.toString('ascii')).toBe('12345678901234567890');
    expect(h!.secret.privateId).toBeNull();
    const y = await store.load('Y1');
    expect(y!.secret.secret.toString('hex')).toBe('ecde18dbe76fbd0c33330f1c354871db');
    expect(y!.secret.privateId!.toString('hex')).toBe('8792ebfe26cc');
    expect(await store.load('nope')).toBeNull();
    store.closeSync();
  });

  test('delete removes the token and audits it', async () => {
    const store = openStore(dir);
    importTokens(store, [hotpToken('H1')]);
    expect(await store.delete('H1', { source: 'test' })).toBe(true);
    expect(await store.delete('H1', { source: 'test' })).toBe(false);
    expect(await store.get('H1')).toBeNull();
    expect((await store.audit({ event: 'deleted' })).map((e) => e.serial)).toEqual(['H1']);
    store.closeSync();
  });
});

describe('beginImport', () => {
  const bad: Array<[string, Partial<ImportedToken>, RegExp]> = [
    ['empty serial', { serial: '' }, /line x: serial: expected 1\.\.50/],
    ['serial with a space', { serial: 'a b' }, /serial: expected/],
    ['51-char serial', { serial: 'x'.repeat(51) }, /serial: expected/],
    ['9-byte seed', { secret: new Uint8Array(9) }, /seed: expected 10\.\.64 bytes, got 9/],
    ['65-byte seed', { secret: new Uint8Array(65) }, /seed: expected 10\.\.64 bytes, got 65/],
    ['7 digits', { digits: 7 as 6 }, /digits: expected 6 or 8/],
    ['45 s period', { period: 45 as 30 }, /period: expected 30 or 60/],
    ['md5', { algorithm: 'md5' as 'sha1' }, /algorithm: expected/],
    ['negative counter', { counter: -1 }, /counter: expected a non-negative integer/],
    ['a public id on HOTP', { publicId: 'cccc' }, /apply to Yubico OTP only/],
  ];
  test.each(bad)('refuses %s with IMPORT_INVALID naming the origin', (_name, change, message) => {
    const store = openStore(dir);
    const session = store.beginImport({ replace: false, dryRun: false, source: 't' });
    let error: unknown;
    try {
      session.add(hotpToken('ok', { origin: 'line x', ...change }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TokenBridgeError);
    expect((error as TokenBridgeError).code).toBe(ErrorCode.IMPORT_INVALID);
    expect((error as Error).message).toMatch(message);
    store.closeSync();
  });

  const badYubico: Array<[string, Partial<ImportedToken>, RegExp]> = [
    ['a 15-byte AES key', { secret: new Uint8Array(15) }, /AES key: expected 16 bytes, got 15/],
    ['a 5-byte private id', { privateId: new Uint8Array(5) }, /private id: expected 6 bytes/],
    ['no private id', { privateId: undefined }, /private id: expected 6 bytes, got none/],
    ['a hex public id', { publicId: '0123' }, /public id: expected 2\.\.32 modhex/],
    ['an odd public id', { publicId: 'ccc' }, /public id/],
    ['a counter', { counter: 3 }, /do not apply to Yubico/],
  ];
  test.each(badYubico)('refuses a Yubico token with %s', (_name, change, message) => {
    const store = openStore(dir);
    const session = store.beginImport({ replace: false, dryRun: false, source: 't' });
    expect(() => session.add({ ...yubicoToken('Y', 'cccc'), ...change })).toThrow(message);
    store.closeSync();
  });

  test('an existing serial fails the import unless replace, naming where it came from', async () => {
    const store = openStore(dir);
    importTokens(store, [hotpToken('H1'), hotpToken('H2')]);
    const session = store.beginImport({ replace: false, dryRun: false, source: 't' });
    session.add(hotpToken('H3'));
    let err: unknown;
    try {
      session.add(hotpToken('H1', { origin: 'line 12' }));
    } catch (e) {
      err = e;
    }
    expect((err as TokenBridgeError).code).toBe(ErrorCode.TOKEN_EXISTS);
    expect((err as Error).message).toMatch(/^line 12: serial H1 is already in the registry/);
    // The failed add rolled the whole session back: H3 is gone too, and the session is closed.
    expect(() => session.commit()).toThrow(/already committed or rolled back/);
    session.rollback();
    expect(await store.get('H3')).toBeNull();
    expect(await store.count()).toBe(2);
    store.closeSync();
  });

  test('replace overwrites the secret and state but keeps the pairing', async () => {
    const store = openStore(dir);
    importTokens(store, [hotpToken('H1', { counter: 5 })]);
    await store.pair('H1', 'alice', { source: 't' });
    const session = store.beginImport({ replace: true, dryRun: false, source: 't' });
    session.add(hotpToken('H1', { counter: 0, secret: new Uint8Array(20).fill(7) }));
    session.add(hotpToken('H2'));
    expect(session.commit()).toEqual({ added: 1, replaced: 1, dryRun: false });
    const loaded = await store.load('H1');
    expect(loaded!.record).toMatchObject({ counter: 0, user: 'alice' });
    expect([...loaded!.secret.secret]).toEqual(new Array(20).fill(7));
    store.closeSync();
  });

  test('a dry run counts everything and changes nothing', async () => {
    const store = openStore(dir);
    importTokens(store, [hotpToken('H1')]);
    const session = store.beginImport({ replace: true, dryRun: true, source: 't' });
    session.add(hotpToken('H1', { counter: 9 }));
    session.add(hotpToken('H2'));
    expect(session.commit()).toEqual({ added: 1, replaced: 1, dryRun: true });
    expect(await store.count()).toBe(1);
    expect((await store.get('H1'))!.counter).toBe(0);
    expect(await store.audit({ event: 'imported' })).toHaveLength(1); // the first import only
    store.closeSync();
  });

  test('rollback discards the session; commit audits one row with the counts and source', async () => {
    const store = openStore(dir);
    const s1 = store.beginImport({ replace: false, dryRun: false, source: 'a.csv (csv)' });
    s1.add(hotpToken('H1'));
    s1.rollback();
    expect(await store.count()).toBe(0);
    const s2 = store.beginImport({ replace: false, dryRun: false, source: 'b.csv (csv)' });
    s2.add(hotpToken('H1'));
    s2.add(totpToken('T1', { drift: -2 }));
    s2.commit();
    const rows = await store.audit({ event: 'imported' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      source: 'b.csv (csv)',
      serial: null,
      detail: { added: 2, replaced: 0 },
    });
    expect((await store.get('T1'))!.drift).toBe(-2);
    store.closeSync();
  });

  test('a public id already used by another serial is refused', () => {
    const store = openStore(dir);
    importTokens(store, [yubicoToken('Y1', 'dteffuje')]);
    const session = store.beginImport({ replace: true, dryRun: false, source: 't' });
    expect(() => session.add(yubicoToken('Y2', 'dteffuje'))).toThrow(
      /row Y2: public id dteffuje already belongs to token Y1/,
    );
    store.closeSync();
  });

  test('an import runs on its own connection: a verification meanwhile never joins its transaction', async () => {
    const store = openStore(dir, { busyTimeoutMs: 50 });
    importTokens(store, [hotpToken('H1')]);
    const verifier = new TokenVerifier({ store, ...verifierSettings() });
    const session = store.beginImport({ replace: false, dryRun: false, source: 't' });
    session.add(hotpToken('H2'));
    // The import holds the write lock: the verification waits, then reports the busy store.
    await expect(verifier.verify('H1', '755224', { source: 't' })).rejects.toMatchObject({
      code: ErrorCode.STORE_IO,
    });
    expect(await store.get('H2')).toBeNull(); // readers see only committed data
    session.rollback();
    expect(await verifier.verify('H1', '755224', { source: 't' })).toMatchObject({
      status: 'accepted',
    });
    expect((await store.get('H1'))!.counter).toBe(1);
    store.closeSync();
  });

  test('closing the store rolls back an import still open', async () => {
    const store = openStore(dir);
    store.beginImport({ replace: false, dryRun: false, source: 't' }).add(hotpToken('H9'));
    store.closeSync();
    const again = openStore(dir);
    expect(await again.count()).toBe(0);
    again.closeSync();
  });

  test('a second session on the same store is refused while one is open', () => {
    const store = openStore(dir);
    const s1 = store.beginImport({ replace: false, dryRun: false, source: 't' });
    expect(() => store.beginImport({ replace: false, dryRun: false, source: 't' })).toThrow(
      /another import is in progress/,
    );
    s1.rollback();
    store.closeSync();
  });
});
