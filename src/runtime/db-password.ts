import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ErrorCode, StoreError } from '../core';

const GROUP_OTHER_BITS = 0o077;
/** A password file is a line of text; anything larger is the wrong file. */
const MAX_PASSWORD_BYTES = 1024;

/**
 * The fleet database's password from `store.passwordFile` (or the systemd credential the config
 * names): the first line, without its line break. Refused when group or others can read it, as the
 * seed key is. The password goes to the pool and nowhere else (never a log line, never argv).
 */
export function readPasswordFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new StoreError(
      ErrorCode.KEY_FILE,
      `store.passwordFile ${path} cannot be read (${code})`,
      {
        cause: err,
      },
    );
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      throw new StoreError(ErrorCode.KEY_FILE, `store.passwordFile ${path} is not a regular file`);
    if ((stat.mode & GROUP_OTHER_BITS) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new StoreError(
        ErrorCode.KEY_FILE,
        `store.passwordFile ${path} is readable by group or others (mode ${mode}); fix it with: chmod 600 ${path}`,
      );
    }
    const buf = Buffer.alloc(MAX_PASSWORD_BYTES + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (n > MAX_PASSWORD_BYTES)
      throw new StoreError(
        ErrorCode.KEY_FILE,
        `store.passwordFile ${path} is larger than a password`,
      );
    const text = buf.subarray(0, n).toString('utf8');
    buf.fill(0);
    return text.split(/\r?\n/)[0]!;
  } finally {
    closeSync(fd);
  }
}
