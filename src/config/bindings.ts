/**
 * How environment variables and command-line flags map onto configuration keys. One table, used by
 * the loader, by `addConfigOptions` (the `serve` flags) and checked against docs/configuration.md.
 */
import { resolve } from 'node:path';
import { isConnectionString } from '../core/connection-string';

/** `store`: a file path (the SQLite registry) or a PostgreSQL connection string (`store.url`). */
export type BindingKind = 'string' | 'int' | 'bool' | 'list' | 'path' | 'store';

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
  /** Other keys the binding sets (`--store` sets `store.url` too). */
  readonly alsoSets?: readonly string[];
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
    'server.peerCheck',
    'string',
    'PEER_CHECK',
    '--peer-check',
    'how',
    'how connections are checked: auto, uid or capability',
  ),
  b(
    'server.allowUsers',
    'list',
    'ALLOW_USERS',
    '--allow-user',
    'user',
    'another user who may connect, by name or uid (repeatable)',
    ',',
  ),
  b(
    'server.allowGroups',
    'list',
    'ALLOW_GROUPS',
    '--allow-group',
    'group',
    'a group whose members may connect, by name or gid (repeatable)',
    ',',
  ),
  b(
    'server.capabilityFile',
    'path',
    'CAPABILITY_FILE',
    '--capability-file',
    'path',
    'the install secret behind the page capability',
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
  b(
    'drivers.virtualStateDir',
    'path',
    'VIRTUAL_STATE_DIR',
    '--virtual-state-dir',
    'path',
    'folder where virtual tokens keep their state',
  ),
  b(
    'drivers.virtualFresh',
    'bool',
    'VIRTUAL_FRESH',
    '--fresh',
    undefined,
    'virtual tokens start from their specs, forgetting their saved state',
  ),
  {
    ...b(
      'store.path',
      'store',
      'STORE',
      '--store',
      'path|url',
      'token registry: an SQLite file, or a postgres:// URI / libpq string for a fleet',
    ),
    alsoSets: ['store.url'],
  },
  b('store.keyFile', 'path', 'KEY_FILE', '--key-file', 'path', 'seed encryption key file'),
  b(
    'store.passwordFile',
    'path',
    'STORE_PASSWORD_FILE',
    '--store-password-file',
    'path',
    "file holding the fleet database's password",
  ),
  b(
    'store.nodeName',
    'string',
    'NODE_NAME',
    '--node-name',
    'name',
    'this daemon in the audit trail (default: the host name)',
  ),
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

/**
 * The keys one text value sets: most bindings set their own key; `--store` sets `store.url` to a
 * connection string, or `store.path` to a file and `store.url` to null (a file named on the
 * command line wins over a fleet database named in the configuration file).
 */
export function assignmentsOf(binding: Binding, value: unknown): Array<[string, unknown]> {
  if (binding.kind !== 'store' || typeof value !== 'string') return [[binding.path, value]];
  return isConnectionString(value)
    ? [['store.url', value.trim()]]
    : [
        [binding.path, value],
        ['store.url', null],
      ];
}

/**
 * The `store` keys one registry argument names (`store copy FROM TO`), the way `--store` reads it:
 * a connection string, or a file resolved against `cwd`.
 */
export function storeKeysFor(text: string, cwd: string): { path?: string; url: string | null } {
  const trimmed = text.trim();
  if (isConnectionString(trimmed)) return { url: trimmed };
  return { path: resolve(cwd, trimmed), url: null };
}
