import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, TokenBridgeError } from '../../core';

/** 256 bits: the install secret behind every origin's capability. */
const SECRET_BYTES = 32;
const GROUP_OTHER_BITS = 0o077;

/** A capability file that cannot be used: the daemon does not start (there is no safe fallback). */
export class CapabilityFileError extends TokenBridgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.PEER_CHECK, message, options);
  }
}

/**
 * The install secret from `path` (base64url text), created on first use: the directory 0700, the
 * file 0600 with O_EXCL, so two daemons starting at once agree on one secret. A file that group or
 * others can read is refused, as the seed key is.
 */
export async function loadOrCreateCapabilitySecret(path: string): Promise<Buffer> {
  const existing = await readSecret(path);
  if (existing) return existing;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(`${randomBytes(SECRET_BYTES).toString('base64url')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new CapabilityFileError(`cannot create the capability file ${path}: ${codeOf(err)}`, {
        cause: err,
      });
  }
  const created = await readSecret(path);
  if (!created) throw new CapabilityFileError(`capability file ${path} vanished while creating it`);
  return created;
}

/** The secret, or undefined when the file does not exist yet. */
export async function readSecret(path: string): Promise<Buffer | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CapabilityFileError(`cannot read the capability file ${path}: ${codeOf(err)}`, {
      cause: err,
    });
  }
  if (!info.isFile()) throw new CapabilityFileError(`${path} is not a regular file`);
  if ((info.mode & GROUP_OTHER_BITS) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw new CapabilityFileError(
      `capability file ${path} is readable by group or others (mode ${mode}); fix it with: chmod 600 ${path}`,
    );
  }
  const text = (await readFile(path, 'utf8')).trim();
  const secret = /^[A-Za-z0-9_-]+$/.test(text) ? Buffer.from(text, 'base64url') : Buffer.alloc(0);
  if (secret.length < SECRET_BYTES)
    throw new CapabilityFileError(
      `capability file ${path}: expected ${SECRET_BYTES} random bytes as base64url; delete it to have a new one made`,
    );
  return secret;
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}
