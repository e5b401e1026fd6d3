import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, StoreError } from '../core';

/** AES-256-GCM key for the seeds at rest. */
export const SEED_KEY_BYTES = 32;
/** Hex characters of the key id: enough to tell keys apart, far too few to say anything about one. */
const KEY_ID_HEX_CHARS = 16;
const KEY_ID_LABEL = 'tokenbridge seed key id v1\0';
const GROUP_OTHER_BITS = 0o077;
const KEY_FILE_MODE = 0o600;
const KEY_DIR_MODE = 0o700;

export interface SeedKey {
  readonly key: Buffer;
  /** Short hash of the key, stored beside every record it encrypts. */
  readonly keyId: string;
  /** Where it came from: the key file path, or the credential file under $CREDENTIALS_DIRECTORY. */
  readonly path: string;
  /** A systemd credential is read-only: it can be used but not replaced by rekey. */
  readonly fromCredentials: boolean;
}

export function keyIdOf(key: Uint8Array): string {
  return createHash('sha256')
    .update(KEY_ID_LABEL)
    .update(key)
    .digest('hex')
    .slice(0, KEY_ID_HEX_CHARS);
}

/**
 * The seed key from `keyFile`, created with 32 random bytes on first use when `create` allows it (a
 * store that already holds seeds must never get a fresh key by accident, say from a mistyped
 * --key-file). A systemd credential (`credential: true`) is only ever read: systemd owns it.
 */
export function loadSeedKey(
  keyFile: string,
  options: { create?: boolean; whyNeeded?: string; credential?: boolean } = {},
): SeedKey {
  if (options.credential === true) {
    return {
      ...readExistingKeyFile(keyFile, 'the systemd credential is missing'),
      fromCredentials: true,
    };
  }
  if (options.create === false) {
    return { ...readExistingKeyFile(keyFile, options.whyNeeded), fromCredentials: false };
  }
  return { ...loadOrCreateKeyFile(keyFile), fromCredentials: false };
}

/** Reads a key file that must exist (e.g. `rekey --new-key PATH`). */
export function readExistingKeyFile(path: string, whyNeeded?: string): SeedKey {
  const key = readKeyFile(path);
  if (!key) {
    throw new StoreError(
      ErrorCode.KEY_FILE,
      `key file ${path} does not exist${whyNeeded ? `; ${whyNeeded}` : ''}`,
    );
  }
  return { key, keyId: keyIdOf(key), path, fromCredentials: false };
}

export function loadOrCreateKeyFile(path: string): Omit<SeedKey, 'fromCredentials'> {
  const existing = readKeyFile(path);
  if (existing) return { key: existing, keyId: keyIdOf(existing), path };
  const key = randomBytes(SEED_KEY_BYTES);
  if (!publishKeyFile(path, key, false)) {
    // Another process created it first: use theirs.
    const theirs = readKeyFile(path);
    if (!theirs)
      throw new StoreError(ErrorCode.KEY_FILE, `key file ${path} vanished while creating it`);
    return { key: theirs, keyId: keyIdOf(theirs), path };
  }
  return { key, keyId: keyIdOf(key), path };
}

/**
 * Writes a key durably: to a temporary file that is fsynced, then linked (no replace) or renamed
 * (replace) into place, then the directory is fsynced. A crash leaves either the old file or the
 * complete new one, never a torn key. Returns false when `replace` is false and the file exists.
 */
export function publishKeyFile(path: string, key: Uint8Array, replace: boolean): boolean {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: KEY_DIR_MODE });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(
    tmp,
    fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL,
    KEY_FILE_MODE,
  );
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (replace) {
      renameSync(tmp, path);
    } else {
      try {
        linkSync(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // renamed away already
    }
  }
  fsyncDir(dir);
  return true;
}

/** The key bytes, or undefined when the file does not exist. Refuses loose permissions. */
function readKeyFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new StoreError(ErrorCode.KEY_FILE, `cannot read key file ${path} (${code ?? 'error'})`, {
      cause: err,
    });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      throw new StoreError(ErrorCode.KEY_FILE, `key file ${path} is not a regular file`);
    if ((stat.mode & GROUP_OTHER_BITS) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new StoreError(
        ErrorCode.KEY_FILE,
        `key file ${path} is readable by group or others (mode ${mode}); fix it with: chmod 600 ${path}`,
      );
    }
    const buf = Buffer.alloc(SEED_KEY_BYTES + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (n !== SEED_KEY_BYTES) {
      throw new StoreError(
        ErrorCode.KEY_FILE,
        `key file ${path}: expected ${SEED_KEY_BYTES} bytes, found ${n === buf.length ? 'more' : n}`,
      );
    }
    return buf.subarray(0, SEED_KEY_BYTES);
  } finally {
    closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, fsConstants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
