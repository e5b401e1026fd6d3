import { ErrorCode, StoreError, TokenBridgeError } from '../../core';

/** SQLite failures become StoreErrors naming the file; our own errors pass through. */
export function asStoreError(err: unknown, path: string): TokenBridgeError {
  if (err instanceof TokenBridgeError) return err;
  if (isSqliteError(err)) {
    const corrupt = err.code === 'SQLITE_CORRUPT' || err.code === 'SQLITE_NOTADB';
    const busy = err.code.startsWith('SQLITE_BUSY') || err.code.startsWith('SQLITE_LOCKED');
    const what = corrupt
      ? 'is damaged or not a tokenbridge store'
      : busy
        ? 'is busy (another process holds its write lock)'
        : 'failed';
    return new StoreError(
      corrupt ? ErrorCode.STORE_CORRUPT : ErrorCode.STORE_IO,
      `store ${path} ${what}: ${err.code} ${err.message}`,
      { cause: err },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError(ErrorCode.STORE_IO, `store ${path}: ${message}`, { cause: err });
}

/** Runs a store operation, translating what SQLite throws. */
export function guarded<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asStoreError(err, path);
  }
}

/**
 * By shape, not instanceof: better-sqlite3 builds its errors in the addon's realm, so under a VM
 * sandbox (Jest) they are not instances of this realm's classes.
 */
function isSqliteError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}
