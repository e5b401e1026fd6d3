import pino from 'pino';

/**
 * The logging surface every module takes in its constructor (no global logger). Modules call
 * `child({ module: 'name' })`. Raw reports go to `trace`. Never log a seed; log OTPs only through
 * `redactOtp`, device paths only through `deviceId`.
 */
export interface Logger {
  trace(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** JSON lines (journald-friendly) to the given stream, stdout by default. */
export function createLogger(
  options: { level?: LogLevel; destination?: NodeJS.WritableStream } = {},
): Logger {
  const instance = pino(
    { level: options.level ?? 'info', base: { name: 'tokenbridge' } },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
  return instance as unknown as Logger;
}

/** A logger that drops everything; for commands that print their own output. */
export function silentLogger(): Logger {
  return createLogger({ level: 'silent' });
}
