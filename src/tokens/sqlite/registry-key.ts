import type Database from 'better-sqlite3';
import { ErrorCode, StoreError, type Logger } from '../../core';
import { loadSeedKey, type SeedKey } from '../seed-key';
import { recordedKeyId, recoverPendingRekey } from './rekey';
import { META_CREATED_AT, META_KEY_ID } from './schema';

export interface KeyOptions {
  readonly path: string;
  readonly keyFile: string;
  readonly keyIsCredential: boolean;
  readonly now: number;
}

/**
 * The seed key for an opened registry. A registry records the fingerprint (key id) of the key it
 * was created with; a key file with another fingerprint is refused before anything is decrypted
 * (and a missing key file is created only for a registry that has never held a seed).
 */
export function openRegistryKey(
  db: Database.Database,
  options: KeyOptions,
  logger: Logger,
): SeedKey {
  const { path, keyFile } = options;
  const recorded = recordedKeyId(db);
  let seedKey = loadSeedKey(keyFile, {
    credential: options.keyIsCredential,
    create: recorded === undefined,
    whyNeeded: `store ${path} holds seeds under key ${recorded}: give its key file (--key-file)`,
  });
  seedKey = recoverPendingRekey(db, seedKey, logger);
  const foreign = db
    .prepare<[string], string>('SELECT key_id FROM tokens WHERE key_id != ? LIMIT 1')
    .pluck()
    .get(seedKey.keyId);
  const wrong =
    foreign ?? (recorded !== undefined && recorded !== seedKey.keyId ? recorded : undefined);
  if (wrong !== undefined) {
    throw new StoreError(
      ErrorCode.KEY_FILE,
      `store ${path} holds seeds under key ${wrong}, but ${seedKey.path} is key ${seedKey.keyId}: use the key file the store was created with (--key-file)`,
    );
  }
  const remember = db.prepare('INSERT OR IGNORE INTO registry_meta (name, value) VALUES (?, ?)');
  db.transaction(() => {
    remember.run(META_KEY_ID, seedKey.keyId);
    remember.run(META_CREATED_AT, String(options.now));
  }).immediate();
  return seedKey;
}
