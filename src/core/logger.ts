import type pino from 'pino';

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

/** Where log lines go: a stream, or anything that takes them a line at a time. */
export interface LogDestination {
  write(line: string): unknown;
}

/** JSON lines (journald-friendly) to the given stream, stdout by default. */
export function createLogger(
  options: { level?: LogLevel; destination?: LogDestination } = {},
): Logger {
  if (options.level === 'silent') return SILENT;
  // Loaded when a command logs at all: `--help` and the quiet commands never pay for pino.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pino = require('pino') as typeof import('pino');
  const root = pino(
    { level: options.level ?? 'info', base: { name: 'tokenbridge' } },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
  return scoped(root, {});
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * A logger with `bindings`, made from the root each time: pino children append their bindings, so a
 * module handed a child logger (the device manager's, to a yubikey session) would print `module`
 * twice. Here the innermost binding wins and each key appears once.
 */
function scoped(root: pino.Logger, bindings: Record<string, unknown>): Logger {
  const instance = Object.keys(bindings).length > 0 ? root.child(bindings) : root;
  const at =
    (level: Level) =>
    (obj: object | string, msg?: string): void => {
      if (msg === undefined) instance[level](obj as object);
      else instance[level](obj as object, msg);
    };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => scoped(root, { ...bindings, ...more }),
  };
}

const drop = (): void => undefined;
const SILENT: Logger = {
  trace: drop,
  debug: drop,
  info: drop,
  warn: drop,
  error: drop,
  child: () => SILENT,
};

/** A logger that drops everything; for commands that print their own output. */
export function silentLogger(): Logger {
  return SILENT;
}
