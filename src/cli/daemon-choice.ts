import { UsageError } from '../core';
import type { ResolvedConfig } from '../config';
import { DaemonLink } from './daemon-link';

/**
 * The running daemon is the one source: when one answers on the configured control socket, `work`
 * runs against it (and the link is closed after); undefined when none runs, and the command opens
 * the drivers itself. Tokens given with --virtual belong to a command's own drivers, so they are
 * refused while a daemon runs (they attach to it with `tokenbridge emulate`).
 */
export async function withDaemon<T>(
  config: ResolvedConfig,
  flags: Readonly<Record<string, unknown>>,
  command: string,
  work: (link: DaemonLink) => Promise<T>,
): Promise<T | undefined> {
  const link = await DaemonLink.connect(config.server.controlSocket);
  if (!link) return undefined;
  try {
    if (flags['virtual'] !== undefined)
      throw new UsageError(
        `--virtual: a daemon is running (pid ${link.hello.pid}), and ${command} shows its tokens; attach a virtual token to it with: tokenbridge emulate SPEC`,
      );
    return await work(link);
  } finally {
    await link.close();
  }
}
