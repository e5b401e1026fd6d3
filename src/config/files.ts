import { existsSync } from 'node:fs';
import { CONFIG_FILE_ENV } from './bindings';
import { defaultPaths, SYSTEM_CONFIG_FILE } from './paths';

/** Why a configuration file was read, for `doctor` and the `serve` summary. */
export type ConfigFileOrigin = 'flag' | 'env' | 'user' | 'system';

export interface ConfigFileChoice {
  readonly file: string;
  readonly origin: ConfigFileOrigin;
}

/**
 * The configuration file a command reads: `--config FILE`, else `$TOKENBRIDGE_CONFIG`, else the
 * user's `$XDG_CONFIG_HOME/tokenbridge/config.json` when it exists, else the system install's
 * `/etc/tokenbridge/config.json` when it exists; undefined means defaults only. Every command
 * resolves it the same way, so the CLI and the service it administers open the same registry.
 * A file named explicitly must exist (the loader says so); the discovered ones are optional.
 */
export function chooseConfigFile(
  env: NodeJS.ProcessEnv,
  flag: string | undefined,
  fileExists: (path: string) => boolean = existsSync,
): ConfigFileChoice | undefined {
  if (flag !== undefined && flag !== '') return { file: flag, origin: 'flag' };
  const named = env[CONFIG_FILE_ENV];
  if (named) return { file: named, origin: 'env' };
  const user = defaultPaths(env).userConfigFile;
  if (fileExists(user)) return { file: user, origin: 'user' };
  if (fileExists(SYSTEM_CONFIG_FILE)) return { file: SYSTEM_CONFIG_FILE, origin: 'system' };
  return undefined;
}

export function describeConfigFile(choice: ConfigFileChoice | undefined): string {
  if (choice === undefined) return 'defaults (no configuration file)';
  const why = {
    flag: '--config',
    env: `$${CONFIG_FILE_ENV}`,
    user: 'the user configuration',
    system: 'the system configuration',
  }[choice.origin];
  return `${choice.file} (${why})`;
}
