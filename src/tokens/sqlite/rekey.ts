import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { Logger } from '../../core';
import type { AuditContext } from '../audit';
import type { RekeyResult } from '../registry';
import { installStagedSeedKey, pendingKeyPath, stageNextSeedKey } from '../rekey-key';
import { SeedCipher } from '../seed-cipher';
import { readExistingKeyFile, type SeedKey } from '../seed-key';
import { retryWhileBusy } from './busy-retry';
import { META_KEY_ID } from './schema';

/** Rows re-encrypted per query: bounded memory for 100,000 tokens. */
const REKEY_BATCH = 1000;

export interface SqliteRekeyResult extends RekeyResult {
  readonly seedKey: SeedKey;
}

/**
 * Re-encrypts every seed under a new key. The order is what makes it crash-safe:
 *   1. the new key is written durably to `KEYFILE.new` (fsynced file and directory);
 *   2. every seed is re-sealed in ONE transaction, committed with synchronous=FULL;
 *   3. only then is `KEYFILE.new` renamed over `KEYFILE` (and the directory fsynced).
 * A crash before 2 commits leaves the old seeds and the old key; a crash between 2 and 3 leaves the
 * new seeds with the new key in `KEYFILE.new`, which the next open finds and finishes installing
 * (recoverPendingRekey). At no point are seeds stored under a key that exists nowhere on disk.
 */
export async function rekeyStore(
  db: Database.Database,
  current: SeedKey,
  keyFile: string,
  newKeyPath: string | undefined,
  at: number,
  context: AuditContext & { node: string; busyBudgetMs: number },
  logger: Logger,
): Promise<SqliteRekeyResult> {
  const next = stageNextSeedKey(current, keyFile, newKeyPath);

  const oldCipher = new SeedCipher(current);
  const newCipher = new SeedCipher(next);
  const page = db.prepare<
    [string, number],
    { serial: string; key_id: string; seed_nonce: Buffer; seed_ct: Buffer }
  >(
    'SELECT serial, key_id, seed_nonce, seed_ct FROM tokens WHERE serial > ? ORDER BY serial LIMIT ?',
  );
  const update = db.prepare(
    'UPDATE tokens SET key_id = @keyId, seed_nonce = @nonce, seed_ct = @ciphertext WHERE serial = @serial',
  );
  const audit = db.prepare(
    `INSERT INTO audit (at, event, serial, user, source, detail, node)
     VALUES (?, 'rekeyed', NULL, NULL, ?, ?, ?)`,
  );
  const meta = db.prepare('INSERT OR REPLACE INTO registry_meta (name, value) VALUES (?, ?)');
  const reseal = db.transaction(() => {
    let count = 0;
    let after = '';
    for (;;) {
      const rows = page.all(after, REKEY_BATCH);
      if (rows.length === 0) break;
      for (const row of rows) {
        const plaintext = oldCipher.open(row.serial, {
          keyId: row.key_id,
          nonce: row.seed_nonce,
          ciphertext: row.seed_ct,
        });
        const sealed = newCipher.seal(row.serial, plaintext);
        plaintext.fill(0);
        update.run({ serial: row.serial, ...sealed });
        count++;
      }
      after = rows[rows.length - 1]!.serial;
    }
    audit.run(
      at,
      context.source,
      JSON.stringify({ from: current.keyId, to: next.keyId, tokens: count }),
      context.node,
    );
    meta.run(META_KEY_ID, next.keyId);
    return count;
  });
  const tokens = await retryWhileBusy(() => reseal.immediate(), context.busyBudgetMs);

  installStagedSeedKey(keyFile);
  logger.info({ from: current.keyId, to: next.keyId, tokens }, 'seeds moved to a new key');
  return { from: current.keyId, to: next.keyId, tokens, seedKey: next };
}

/**
 * Finishes a rekey that crashed between its commit and the key file rename: when the stored seeds
 * are under the key waiting in `KEYFILE.new`, that key is installed.
 */
export function recoverPendingRekey(
  db: Database.Database,
  current: SeedKey,
  logger: Logger,
): SeedKey {
  if (current.fromCredentials) return current;
  const pending = pendingKeyPath(current.path);
  if (!existsSync(pending)) return current;
  const stored = recordedKeyId(db);
  if (stored === undefined || stored === current.keyId) return current;
  const candidate = readExistingKeyFile(pending);
  if (candidate.keyId !== stored) return current;
  installStagedSeedKey(current.path);
  logger.warn({ keyId: candidate.keyId }, 'finished installing the key of an interrupted rekey');
  return { ...candidate, path: current.path };
}

/** The key the registry says it is sealed under: its registry_meta row, else any token's key id. */
export function recordedKeyId(db: Database.Database): string | undefined {
  return (
    db
      .prepare<[string], string>('SELECT value FROM registry_meta WHERE name = ?')
      .pluck()
      .get(META_KEY_ID) ?? db.prepare<[], string>('SELECT key_id FROM tokens LIMIT 1').pluck().get()
  );
}
