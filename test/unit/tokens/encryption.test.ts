import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, TokenBridgeError } from '../../../src/core';
import { KEY_CREDENTIAL_NAME } from '../../../src/config';
import { keyIdOf, pendingKeyPath, SqliteTokenStore } from '../../../src/tokens';
import { hotpToken, importTokens, openStore, tempDir } from './registry-fixtures';

const CTX = { source: 'test' };
let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const keyFile = () => join(dir, 'keys', 'seed.key');

function thrown(fn: () => unknown): TokenBridgeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TokenBridgeError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

function rawBytes(): Buffer {
  const files = ['store.sqlite', 'store.sqlite-wal'].map((f) => join(dir, f)).filter(existsSync);
  return Buffer.concat(files.map((f) => readFileSync(f)));
}

describe('seeds at rest', () => {
  test('the database file and its WAL never contain the seed bytes', async () => {
    const seeds = [randomBytes(20), randomBytes(32), randomBytes(64)];
    const store = openStore(dir);
    await importTokens(
      store,
      seeds.map((secret, i) => hotpToken(`S${i}`, { secret })),
    );
    const whileOpen = rawBytes();
    store.closeSync(); // checkpoints the WAL into the main file
    for (const bytes of [whileOpen, rawBytes()]) {
      expect(bytes.includes(Buffer.from('S1'))).toBe(true); // the serials are there in clear
      for (const seed of seeds) {
        expect(bytes.includes(seed)).toBe(false);
        expect(bytes.includes(seed.subarray(0, 10))).toBe(false);
        expect(bytes.includes(Buffer.from(seed.toString('hex')))).toBe(false);
      }
    }
  });

  test('each record has its own nonce and names its key', async () => {
    const store = openStore(dir);
    await importTokens(store, [hotpToken('A'), hotpToken('B')]);
    store.closeSync();
    const db = new Database(join(dir, 'store.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT key_id, seed_nonce, seed_ct FROM tokens').all() as Array<{
      key_id: string;
      seed_nonce: Buffer;
      seed_ct: Buffer;
    }>;
    db.close();
    expect(rows[0]!.seed_nonce).toHaveLength(12);
    expect(rows[0]!.seed_nonce.equals(rows[1]!.seed_nonce)).toBe(false);
    expect(rows[0]!.seed_ct.equals(rows[1]!.seed_ct)).toBe(false); // same seed, different nonce
    expect(rows[0]!.key_id).toBe(keyIdOf(readFileSync(keyFile())));
  });

  test("swapping two rows' ciphertexts fails authentication instead of verifying", async () => {
    const store = openStore(dir);
    await importTokens(store, [hotpToken('A'), hotpToken('B', { secret: randomBytes(20) })]);
    store.closeSync();
    const db = new Database(join(dir, 'store.sqlite'));
    const row = (s: string) =>
      db.prepare('SELECT seed_nonce, seed_ct FROM tokens WHERE serial = ?').get(s) as {
        seed_nonce: Buffer;
        seed_ct: Buffer;
      };
    const [a, b] = [row('A'), row('B')];
    const put = db.prepare('UPDATE tokens SET seed_nonce = ?, seed_ct = ? WHERE serial = ?');
    put.run(b.seed_nonce, b.seed_ct, 'A');
    put.run(a.seed_nonce, a.seed_ct, 'B');
    db.close();
    const reopened = openStore(dir);
    await expect(reopened.load('A')).rejects.toThrow(
      /token A: the stored seed fails authentication/,
    );
    await expect(reopened.load('B')).rejects.toMatchObject({ code: ErrorCode.CRYPTO });
    reopened.closeSync();
  });

  test('a different key is refused at open with a clear error', async () => {
    openStore(dir).closeSync();
    const store = openStore(dir);
    await importTokens(store, [hotpToken('A')]);
    store.closeSync();
    writeFileSync(join(dir, 'other.key'), randomBytes(32), { mode: 0o600 });
    const err = thrown(() => openStore(dir, { keyFile: join(dir, 'other.key') }));
    expect(err.code).toBe(ErrorCode.KEY_FILE);
    expect(err.message).toMatch(
      /holds seeds under key [0-9a-f]{16}, but .*other\.key is key [0-9a-f]{16}: use the key file/,
    );
  });

  test('a missing key file is not created for a store that already holds seeds', async () => {
    const store = openStore(dir);
    await importTokens(store, [hotpToken('A')]);
    store.closeSync();
    const err = thrown(() => openStore(dir, { keyFile: join(dir, 'typo.key') }));
    expect(err.code).toBe(ErrorCode.KEY_FILE);
    expect(err.message).toMatch(
      /typo\.key does not exist; store .* holds seeds under key [0-9a-f]{16}/,
    );
    expect(existsSync(join(dir, 'typo.key'))).toBe(false);
  });
});

describe('the key file', () => {
  test('is created on first use: 32 random bytes, mode 0600, in a 0700 directory', () => {
    openStore(dir).closeSync();
    expect(readFileSync(keyFile())).toHaveLength(32);
    expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
  });

  test.each([0o644, 0o640, 0o604])('mode %s is refused with the chmod fix', (mode) => {
    openStore(dir).closeSync();
    chmodSync(keyFile(), mode);
    const err = thrown(() => openStore(dir));
    expect(err.code).toBe(ErrorCode.KEY_FILE);
    expect(err.message).toContain(`chmod 600 ${keyFile()}`);
  });

  test('a key of the wrong length is refused', () => {
    mkdirSync(join(dir, 'keys'), { mode: 0o700 });
    writeFileSync(keyFile(), randomBytes(16), { mode: 0o600 });
    expect(thrown(() => openStore(dir)).message).toMatch(/expected 32 bytes, found 16/);
  });

  test('a systemd credential is read, never created or replaced', async () => {
    const creds = join(dir, 'creds');
    mkdirSync(creds, { mode: 0o700 });
    const credential = join(creds, KEY_CREDENTIAL_NAME);
    expect(
      thrown(() => openStore(dir, { keyFile: credential, keyIsCredential: true })).message,
    ).toMatch(/does not exist; the systemd credential is missing/);
    expect(existsSync(credential)).toBe(false);
    const key = randomBytes(32);
    writeFileSync(credential, key, { mode: 0o400 });
    const store = openStore(dir, { keyFile: credential, keyIsCredential: true });
    expect(store.keyId).toBe(keyIdOf(key));
    expect(existsSync(keyFile())).toBe(false);
    await expect(store.rekey(CTX)).rejects.toThrow(/systemd credential/);
    store.closeSync();
    chmodSync(credential, 0o444);
    expect(
      thrown(() => openStore(dir, { keyFile: credential, keyIsCredential: true })).message,
    ).toContain('chmod 600');
  });
});

describe('rekey', () => {
  test('moves every seed to a fresh key, then installs it as the key file', async () => {
    const store = openStore(dir);
    await importTokens(
      store,
      Array.from({ length: 25 }, (_, i) => hotpToken(`T${i}`)),
    );
    const before = store.keyId;
    const result = await store.rekey(CTX);
    expect(result).toMatchObject({ from: before, tokens: 25 });
    expect(result.to).not.toBe(before);
    expect(keyIdOf(readFileSync(keyFile()))).toBe(result.to);
    expect(existsSync(pendingKeyPath(keyFile()))).toBe(false);
    expect((await store.load('T7'))!.secret.secret.toString()).toBe('12345678901234567890');
    expect((await store.audit({ event: 'rekeyed' }))[0]!.detail).toEqual({
      from: before,
      to: result.to,
      tokens: 25,
    });
    store.closeSync();
    const reopened = openStore(dir);
    expect(reopened.keyId).toBe(result.to);
    expect((await reopened.get('T7'))!.keyId).toBe(result.to);
    reopened.closeSync();
  });

  test('--new-key PATH uses the given key', async () => {
    const store = openStore(dir);
    await importTokens(store, [hotpToken('A')]);
    const next = randomBytes(32);
    writeFileSync(join(dir, 'next.key'), next, { mode: 0o600 });
    expect((await store.rekey(CTX, join(dir, 'next.key'))).to).toBe(keyIdOf(next));
    expect(readFileSync(keyFile()).equals(next)).toBe(true);
    await expect(store.rekey(CTX, join(dir, 'next.key'))).rejects.toThrow(/is the current key/);
    store.closeSync();
  });

  test('a crash between the commit and the key rename is finished at the next open', async () => {
    const store = openStore(dir);
    await importTokens(store, [hotpToken('A')]);
    const oldKey = readFileSync(keyFile());
    const { to } = await store.rekey(CTX);
    store.closeSync();
    // Put the files back as they were just before the rename: old key installed, new one pending.
    writeFileSync(pendingKeyPath(keyFile()), readFileSync(keyFile()), { mode: 0o600 });
    writeFileSync(keyFile(), oldKey, { mode: 0o600 });
    const reopened = openStore(dir);
    expect(reopened.keyId).toBe(to);
    expect(keyIdOf(readFileSync(keyFile()))).toBe(to);
    expect((await reopened.load('A'))!.secret.secret.toString()).toBe('12345678901234567890');
    reopened.closeSync();
  });

  test('a crash before the commit leaves the old key in charge and a stale pending key ignored', async () => {
    const store = openStore(dir);
    await importTokens(store, [hotpToken('A')]);
    const keyId = store.keyId;
    store.closeSync();
    writeFileSync(pendingKeyPath(keyFile()), randomBytes(32), { mode: 0o600 });
    const reopened = SqliteTokenStore.open({
      path: join(dir, 'store.sqlite'),
      keyFile: keyFile(),
      maxTokensPerUser: 5,
    });
    expect(reopened.keyId).toBe(keyId);
    expect((await reopened.load('A'))!.record.serial).toBe('A');
    reopened.closeSync();
  });
});
