import type { Command } from 'commander';
import { UsageError } from '../../core';
import { effectivePeerCheck } from '../../daemon/server-access';
import {
  buildOriginAllowlist,
  isLoopbackHost,
  isWildcardHost,
  loadOrCreateCapabilitySecret,
  normalizeOrigin,
  originCapability,
} from '../../server';
import { addConfigOptions, commandConfig } from '../config-options';
import type { CliIo } from '../io';
import { printJson } from '../output';

/** The fragment the page reads its capability from (never sent over HTTP: it is a fragment). */
const FRAGMENT = 'capability';

/**
 * `tokenbridge url`: the page's address, and where the daemon cannot tell which local user
 * connects (macOS, Windows, `server.peerCheck: "capability"`), the install capability with it;
 * `--origin` prints the capability another allowed site presents (docs/api.md). It reads the
 * capability file, so only the daemon's own user (or root) can run it successfully.
 */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('url')
    .description(
      "Print the pairing page's URL. Where the daemon needs the install capability (macOS, Windows, " +
        'server.peerCheck "capability"), the URL carries it in its fragment: open that link once in ' +
        'your browser. --origin prints the capability of another allowed site instead.',
    )
    .option(
      '--origin <origin>',
      'an allowed page origin (server.allowOrigins) to print the capability of',
    )
    .option('--json', 'print { url, peerCheck, origin, capability }');
  addConfigOptions(cmd, ['server']).action(
    async (flags: { origin?: string; json?: boolean } & Record<string, unknown>) => {
      const { config } = commandConfig(io, flags);
      const { host, port, allowOrigins, capabilityFile } = config.server;
      if (port === 0)
        throw new UsageError(
          'server.port is 0 (any free port): the daemon prints its URL at start',
        );
      const pageHost = isWildcardHost(host) || isLoopbackHost(host) ? '127.0.0.1' : host;
      const page = `http://${pageHost.includes(':') ? `[${pageHost}]` : pageHost}:${port}`;
      const check = effectivePeerCheck(config.server.peerCheck);
      const origin =
        flags.origin === undefined ? page : allowedOrigin(flags.origin, port, allowOrigins, host);
      if (check === 'uid') {
        if (flags.origin !== undefined)
          throw new UsageError(
            'this daemon admits connections by peer user (server.peerCheck uid): pages need no capability',
          );
        if (flags.json) printJson(io.stdout, { url: `${page}/`, peerCheck: check, origin });
        else io.stdout.write(`${page}/\n`);
        return;
      }
      const capability = originCapability(
        await loadOrCreateCapabilitySecret(capabilityFile),
        origin,
      );
      const url = `${page}/#${FRAGMENT}=${capability}`;
      if (flags.json) printJson(io.stdout, { url, peerCheck: check, origin, capability });
      else io.stdout.write(flags.origin === undefined ? `${url}\n` : `${capability}\n`);
    },
  );
}

function allowedOrigin(text: string, port: number, extra: readonly string[], host: string): string {
  const origin = normalizeOrigin(text);
  if (origin === undefined || !buildOriginAllowlist(port, extra, host).has(origin))
    throw new UsageError(
      `--origin ${text}: not an allowed origin (add it to server.allowOrigins, exactly as the browser sends it)`,
    );
  return origin;
}
