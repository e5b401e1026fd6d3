import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, StoreError } from '../core';
import {
  fsyncDir,
  keyIdOf,
  publishKeyFile,
  readExistingKeyFile,
  SEED_KEY_BYTES,
  type SeedKey,
} from './seed-key';

/** Where the next key waits while a rekey is in flight. */
export function pendingKeyPath(keyFile: string): string {
  return `${keyFile}.new`;
}

/**
 * A rekey's first step, the same in every store: the next key (read from `newKeyPath`, or fresh
 * random bytes) is written durably to `KEYFILE.new` before any seed is re-sealed under it. A key
 * from a systemd credential cannot be replaced this way, and the new key must differ.
 */
export function stageNextSeedKey(
  current: SeedKey,
  keyFile: string,
  newKeyPath: string | undefined,
): SeedKey {
  if (current.fromCredentials) {
    throw new StoreError(
      ErrorCode.KEY_FILE,
      `the seed key comes from the systemd credential ${current.path}, which rekey cannot replace: provision the new credential and rekey with --key-file`,
    );
  }
  const newKey = newKeyPath ? readExistingKeyFile(newKeyPath).key : randomBytes(SEED_KEY_BYTES);
  const next: SeedKey = {
    key: newKey,
    keyId: keyIdOf(newKey),
    path: keyFile,
    fromCredentials: false,
  };
  if (next.keyId === current.keyId) {
    throw new StoreError(ErrorCode.KEY_FILE, `the new key is the current key (${current.keyId})`);
  }
  publishKeyFile(pendingKeyPath(keyFile), newKey, true);
  return next;
}

/** A rekey's last step, once the re-sealed seeds are committed: the staged key replaces the old. */
export function installStagedSeedKey(keyFile: string): void {
  renameSync(pendingKeyPath(keyFile), keyFile);
  fsyncDir(dirname(keyFile));
}
