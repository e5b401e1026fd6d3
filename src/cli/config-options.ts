import { Option, type Command } from 'commander';
import {
  BINDINGS,
  CONFIG_FILE_ENV,
  ConfigError,
  formatProblem,
  loadConfigFile,
  type LoadedConfig,
} from '../config';
import { EXIT_USAGE, ExitStatus, type CliIo } from './io';
import { collect } from './options';

/**
 * Which configuration flags a command offers: a whole section (the first part of a binding's key)
 * or one key (`drivers.emulatorSocket`).
 */
export type ConfigScope = 'server' | 'drivers' | 'store' | 'log' | 'kiosk' | `${string}.${string}`;

export const ALL_SECTIONS: readonly ConfigScope[] = ['server', 'drivers', 'store', 'log', 'kiosk'];

/**
 * Adds `--config FILE` and one flag per configuration binding in the given scopes to a command,
 * so its `opts()` can be passed to `loadConfig` as `flags`. Values stay text here: the loader
 * validates them with the schema and names the flag in its errors. Booleans get a `--no-` twin;
 * neither given leaves the key to the file, the environment or the defaults. Every command takes
 * `--config`, so every command reads the configuration the service reads.
 */
export function addConfigOptions(
  command: Command,
  scopes: readonly ConfigScope[] = ALL_SECTIONS,
): Command {
  command.addOption(
    new Option(
      '--config <file>',
      `JSON configuration file (default: $${CONFIG_FILE_ENV}, else ~/.config/tokenbridge/config.json or /etc/tokenbridge/config.json when present)`,
    ),
  );
  for (const binding of BINDINGS) {
    const section = binding.path.split('.')[0] as ConfigScope;
    if (!scopes.includes(section) && !scopes.includes(binding.path as ConfigScope)) continue;
    if (binding.kind === 'bool') {
      command.addOption(new Option(binding.flag, `${binding.help} (${binding.env})`));
      command.addOption(new Option(`--no-${binding.flag.slice(2)}`, `not: ${binding.help}`));
      continue;
    }
    // Commander names the value after the last long flag: the binding's own.
    const flags = binding.alias ? `${binding.alias}, ${binding.flag}` : binding.flag;
    const option = new Option(
      `${flags} <${binding.argument ?? 'value'}>`,
      `${binding.help} (${binding.env})`,
    );
    if (binding.kind === 'list') option.argParser(collect);
    command.addOption(option);
  }
  return command;
}

/**
 * The configuration a command runs with, from its parsed flags (commander's `opts()`); a
 * configuration that does not validate prints every problem, one per line, and exits 2.
 */
export function commandConfig(io: CliIo, flags: object): LoadedConfig {
  try {
    return loadConfigFile({ env: io.env, flags: flags as Readonly<Record<string, unknown>> });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) io.stderr.write(`tokenbridge: ${formatProblem(problem)}\n`);
    throw new ExitStatus(EXIT_USAGE);
  }
}
