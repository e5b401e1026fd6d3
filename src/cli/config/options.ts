import { Option, type Command } from 'commander';
import { collect } from '../options';
import { BINDINGS, CONFIG_FILE_ENV } from './bindings';

/**
 * Adds `--config FILE` and one flag per configuration binding to a command (`serve`), so its
 * `opts()` can be passed to `loadConfig` as `flags`. Values stay text here: the loader validates
 * them with the schema and names the flag in its errors. Booleans get a `--no-` twin; neither
 * given leaves the key to the file, the environment or the defaults.
 */
export function addConfigOptions(command: Command): Command {
  command.addOption(
    new Option('--config <file>', `JSON configuration file (or $${CONFIG_FILE_ENV})`),
  );
  for (const binding of BINDINGS) {
    if (binding.kind === 'bool') {
      command.addOption(new Option(binding.flag, `${binding.help} (${binding.env})`));
      command.addOption(new Option(`--no-${binding.flag.slice(2)}`, `not: ${binding.help}`));
      continue;
    }
    const option = new Option(
      `${binding.flag} <${binding.argument ?? 'value'}>`,
      `${binding.help} (${binding.env})`,
    );
    if (binding.kind === 'list') option.argParser(collect);
    command.addOption(option);
  }
  return command;
}
