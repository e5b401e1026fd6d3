import { setTimeout as sleep } from 'node:timers/promises';

/** The first wait after a busy lock; each further wait doubles, up to the cap. */
const FIRST_WAIT_MS = 1;
const MAX_WAIT_MS = 25;

/**
 * Runs `work` (one whole SQLite transaction, or one read) and, while another process holds the
 * write lock (SQLITE_BUSY), runs it again after a timer instead of letting SQLite sleep inside the
 * call: the event loop keeps serving pings and other requests while the lock is held elsewhere.
 * A BEGIN IMMEDIATE that finds the lock taken fails before it changes anything, so running the
 * transaction again is safe. After `budgetMs` the last busy error is thrown.
 */
export async function retryWhileBusy<T>(work: () => T, budgetMs: number): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let wait = FIRST_WAIT_MS;
  for (;;) {
    try {
      return work();
    } catch (err) {
      if (!isBusy(err) || Date.now() + wait > deadline) throw err;
    }
    await sleep(wait);
    wait = Math.min(MAX_WAIT_MS, wait * 2);
  }
}

export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
  );
}
