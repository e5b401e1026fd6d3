import { lstat, unlink } from 'node:fs/promises';
import { createConnection } from 'node:net';

/** How long a connect to an existing socket file may take before it counts as a live listener. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * Makes way for a Unix socket about to listen at `socketPath`: a file left by a process that died
 * is removed; one a live process answers on is not ours to take, and anything that is not a socket
 * is left alone. Both refusals are thrown as `fail(message)`, so each caller keeps its error code.
 */
export async function removeStaleSocket(
  socketPath: string,
  fail: (message: string) => Error,
): Promise<void> {
  const stat = await lstat(socketPath).catch(() => undefined);
  if (!stat) return;
  if (!stat.isSocket()) throw fail(`${socketPath} exists and is not a socket`);
  if (await isLive(socketPath)) throw fail(`another daemon is listening on ${socketPath}`);
  await unlink(socketPath);
}

function isLive(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(socketPath);
    const done = (live: boolean) => {
      clearTimeout(timer);
      probe.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(true), PROBE_TIMEOUT_MS);
    probe.once('connect', () => done(true));
    probe.once('error', () => done(false));
  });
}
