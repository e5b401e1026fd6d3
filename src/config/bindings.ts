/**
 * How environment variables and command-line flags map onto configuration keys. One table, used by
 * the loader, by `addConfigOptions` (the `serve` flags) and checked against docs/configuration.md.
 */
export type BindingKind = 'string' | 'int' | 'bool' | 'list' | 'path';

export interface Binding {
  /** Dotted configuration key. */
  readonly path: string;
  readonly kind: BindingKind;
  readonly env: string;
  /** The long flag without its argument, e.g. `--port`. Booleans also get `--no-...`. */
  readonly flag: string;
  /** A second, shorter spelling of the flag that commands have always taken (`--socket`). */
  readonly alias?: string;
  /** Commander's property name for the flag. */
  readonly flagKey: string;
  /** For lists: the separator inside the environment variable. Flags repeat instead. */
  readonly separator?: string;
  /** The flag's argument name for --help. */
  readonly argument?: string;
  readonly help: string;
}

/** Names the config file; read by the loader when no file is passed explicitly. */
export const CONFIG_FILE_ENV = 'TOKENBRIDGE_CONFIG';

export const BINDINGS: readonly Binding[] = [
  b('server.host', 'string', 'HOST', '--host', 'host', 'address to listen on'),
  b('server.port', 'int', 'PORT', '--port', 'port', 'TCP port to listen on'),
  b(
    'server.allowOrigins',
    'list',
    'ALLOW_ORIGINS',
    '--allow-origin',
    'origin',
    'an allowed page origin (repeatable)',
    ',',
  ),
  b(
    'server.maxClients',
    'int',
    'MAX_CLIENTS',
    '--max-clients',
    'n',
    'most WebSocket clients at once',
  ),
  b(
    'server.controlSocket',
    'path',
    'CONTROL_SOCKET',
    '--control-socket',
    'path',
    "the running daemon's control socket (devices, watch, tokens verify --daemon)",
  ),
  b(
    'drivers.enabled',
    'list',
    'DRIVERS',
    '--driver',
    'name',
    'a driver to use: hid, usb, virtual (repeatable)',
    ',',
  ),
  b(
    'drivers.exclusive',
    'bool',
    'EXCLUSIVE',
    '--exclusive',
    undefined,
    'claim tokens exclusively (usb driver)',
  ),
  b(
    'drivers.pollIntervalMs',
    'int',
    'POLL_INTERVAL_MS',
    '--poll-interval',
    'ms',
    'device re-enumeration interval',
  ),
  b(
    'drivers.extraUsbIds',
    'list',
    'EXTRA_USB_IDS',
    '--extra-usb-id',
    'vvvv:pppp',
    'another USB id to treat as a token (repeatable)',
    ',',
  ),
  // Specs contain commas (`hotp:serial=1,digits=8`), so the variable separates them with ';'.
  b(
    'drivers.virtual',
    'list',
    'VIRTUAL',
    '--virtual',
    'spec',
    'attach a virtual token at start (repeatable)',
    ';',
  ),
  {
    ...b(
      'drivers.emulatorSocket',
      'path',
      'EMULATOR_SOCKET',
      '--emulator-socket',
      'path',
      'socket for `tokenbridge emulate`',
    ),
    alias: '--socket',
  },
  b('store.path', 'path', 'STORE', '--store', 'path', 'token registry file'),
  b('store.keyFile', 'path', 'KEY_FILE', '--key-file', 'path', 'seed encryption key file'),
  b(
    'log.level',
    'string',
    'LOG_LEVEL',
    '--log-level',
    'level',
    'trace, debug, info, warn, error, fatal or silent',
  ),
  b('kiosk.enabled', 'bool', 'KIOSK', '--kiosk', undefined, 'kiosk mode'),
  b(
    'kiosk.pairing',
    'bool',
    'KIOSK_PAIRING',
    '--pairing',
    undefined,
    'offer pairing on the page in kiosk mode',
  ),
];

function b(
  path: string,
  kind: BindingKind,
  envSuffix: string,
  flag: string,
  argument: string | undefined,
  help: string,
  separator?: string,
): Binding {
  const flagKey = flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return {
    path,
    kind,
    env: `TOKENBRIDGE_${envSuffix}`,
    flag,
    flagKey,
    help,
    ...(argument !== undefined ? { argument } : {}),
    ...(separator !== undefined ? { separator } : {}),
  };
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/**
 * Turns a text value (an environment variable, an untyped flag) into the type its key expects.
 * Text that does not convert is passed on unchanged, so the schema reports it with the usual
 * "expected ..., got ..." message.
 */
export function convertText(binding: Binding, text: string): unknown {
  const trimmed = text.trim();
  switch (binding.kind) {
    case 'int':
      return /^-?\d+$/.test(trimmed) ? Number(trimmed) : text;
    case 'bool': {
      const lower = trimmed.toLowerCase();
      return TRUE.has(lower) ? true : FALSE.has(lower) ? false : text;
    }
    case 'list':
      return trimmed === ''
        ? []
        : trimmed
            .split(binding.separator ?? ',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
    default:
      return text;
  }
}
