import { silentLogger, type Logger } from '../core';
import { Runtime } from '../runtime';
import { commandConfig } from './config-options';
import type { CliIo } from './io';

/**
 * Runs a command on the parts the configuration names (read from the command's flags, the
 * environment and the configuration file, as `serve` reads them), then closes what it used.
 */
export async function withRuntime<T>(
  io: CliIo,
  flags: object,
  work: (runtime: Runtime) => Promise<T>,
  logger: Logger = silentLogger(),
): Promise<T> {
  const { config } = commandConfig(io, flags);
  const runtime = new Runtime({ config, logger, env: io.env });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
