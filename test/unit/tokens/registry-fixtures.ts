import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../../src/config';
import {
  SqliteTokenStore,
  type ImportedToken,
  type TokenStore,
  type SqliteTokenStoreOptions,
} from '../../../src/tokens';
import { RFC4226_SECRET_ASCII } from '../../vectors/rfc4226';
import { yubicoImportedToken } from '../../../src/tokens/import';

/** A temp directory per test, removed afterwards. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tokenbridge-registry-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const RFC_SEED = new Uint8Array(Buffer.from(RFC4226_SECRET_ASCII, 'ascii'));

export function hotpToken(serial: string, extra: Partial<ImportedToken> = {}): ImportedToken {
  return {
    serial,
    kind: 'hotp',
    algorithm: 'sha1',
    digits: 6,
    period: 30,
    secret: RFC_SEED,
    counter: 0,
    origin: `line ${serial}`,
    ...extra,
  };
}

export function totpToken(serial: string, extra: Partial<ImportedToken> = {}): ImportedToken {
  return { ...hotpToken(serial), kind: 'totp', counter: undefined, ...extra };
}

/** The yubico-c published vector's key and private id. */
export const YUBICO_AES_KEY = new Uint8Array(
  Buffer.from('ecde18dbe76fbd0c33330f1c354871db', 'hex'),
);
export const YUBICO_PRIVATE_ID = new Uint8Array(Buffer.from('8792ebfe26cc', 'hex'));

export function yubicoToken(serial: string, publicId: string): ImportedToken {
  return yubicoImportedToken(serial, publicId, YUBICO_PRIVATE_ID, YUBICO_AES_KEY, `row ${serial}`);
}

/** A store in `dir` (store.sqlite + keys/seed.key) with the configured defaults, unless given. */
export function openStore(
  dir: string,
  options: Partial<SqliteTokenStoreOptions> = {},
): SqliteTokenStore {
  return SqliteTokenStore.open({
    path: join(dir, 'store.sqlite'),
    keyFile: join(dir, 'keys', 'seed.key'),
    maxTokensPerUser: defaultConfig({}).users.maxTokensPerUser,
    ...options,
  });
}

export async function importTokens(store: TokenStore, tokens: ImportedToken[]): Promise<void> {
  const session = await store.beginImport({ replace: false, dryRun: false, source: 'test' });
  for (const token of tokens) await session.add(token);
  await session.commit();
}
