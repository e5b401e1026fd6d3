import { homedir } from 'node:os';
import { join } from 'node:path';

/** The seed key's name inside `$CREDENTIALS_DIRECTORY` (`LoadCredential=tokenbridge.key:...`). */
export const KEY_CREDENTIAL_NAME = 'tokenbridge.key';
/** The fleet database password's name inside `$CREDENTIALS_DIRECTORY`. */
export const DB_PASSWORD_CREDENTIAL_NAME = 'tokenbridge.dbpass';
/** The configuration a system install keeps (the kiosk service reads it). */
export const SYSTEM_CONFIG_FILE = '/etc/tokenbridge/config.json';
const APP_DIR = 'tokenbridge';
const CONFIG_FILE_NAME = 'config.json';

/**
 * Where tokenbridge keeps its files by default. Under systemd `$STATE_DIRECTORY` and
 * `$RUNTIME_DIRECTORY` win; otherwise the XDG base directories. Every path is computed from the
 * environment it is given (`$HOME` included), so the CLI and a service that see the same variables
 * agree, and a test's environment decides alone.
 */
export interface Paths {
  /** `$HOME`, else the account's home folder: where `~/` in a configured path points. */
  readonly home: string;
  /** `$XDG_CONFIG_HOME/tokenbridge/config.json`: read by every command when it exists. */
  readonly userConfigFile: string;
  readonly stateDir: string;
  readonly runtimeDir: string;
  readonly store: string;
  readonly keyFile: string;
  readonly emulatorSocket: string;
  /** The install secret behind the page capability (platforms without a peer-user check). */
  readonly capabilityFile: string;
  /** Where the running daemon answers `devices`, `watch` and `tokens verify --daemon`. */
  readonly controlSocket: string;
  /** Where virtual tokens keep their state, one file per serial. */
  readonly virtualStateDir: string;
  /** The systemd credential that carries the seed key, when systemd passes one. */
  readonly keyCredential: string | undefined;
  /** The systemd credential that carries the fleet database's password, when systemd passes one. */
  readonly dbPasswordCredential: string | undefined;
}

export function defaultPaths(env: NodeJS.ProcessEnv): Paths {
  const home = env.HOME || homedir();
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  const stateDir =
    firstPath(env.STATE_DIRECTORY) ??
    join(env.XDG_STATE_HOME || join(home, '.local', 'state'), APP_DIR);
  const runtimeDir =
    firstPath(env.RUNTIME_DIRECTORY) ??
    (env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, APP_DIR) : stateDir);
  const credentials = firstPath(env.CREDENTIALS_DIRECTORY);
  return {
    home,
    userConfigFile: join(configHome, APP_DIR, CONFIG_FILE_NAME),
    stateDir,
    runtimeDir,
    store: join(stateDir, 'tokens.sqlite'),
    keyFile: join(stateDir, 'seed.key'),
    emulatorSocket: join(runtimeDir, 'emulator.sock'),
    capabilityFile: join(stateDir, 'capability'),
    controlSocket: join(runtimeDir, 'control.sock'),
    virtualStateDir: join(stateDir, 'virtual'),
    keyCredential: credentials ? join(credentials, KEY_CREDENTIAL_NAME) : undefined,
    dbPasswordCredential: credentials ? join(credentials, DB_PASSWORD_CREDENTIAL_NAME) : undefined,
  };
}

/** systemd passes several directories separated by ':'; the first is ours. */
function firstPath(value: string | undefined): string | undefined {
  const first = value?.split(':')[0];
  return first ? first : undefined;
}
