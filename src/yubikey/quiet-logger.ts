import type { Logger } from '../core';

const ignore = (): void => undefined;

/**
 * The default when no logger is injected. Unlike core's silentLogger() it builds no pino instance,
 * which matters for objects made per press (the keyboard assembler). Stateless, so sharing it is safe.
 */
export const QUIET_LOGGER: Logger = Object.freeze({
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => QUIET_LOGGER,
});
