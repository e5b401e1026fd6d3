import type { Command } from 'commander';
import {
  chooseConfigFile,
  ConfigError,
  defaultConfig,
  formatProblem,
  leafPaths,
  loadConfig,
  type ResolvedConfig,
} from '../../config';
import { printJson, printTable } from '../output';
import { EXIT_FAILURE, ExitStatus, type CliIo } from '../io';

/** `tokenbridge config check FILE` and `tokenbridge config defaults`. */
export function register(program: Command, io: CliIo): void {
  const config = program
    .command('config')
    .description('Check a configuration file, or print the defaults.');

  config
    .command('check')
    .description(
      'Validate FILE as `serve --config FILE` would (with the TOKENBRIDGE_* environment), without ' +
        'starting. Without FILE: the configuration every command reads ($TOKENBRIDGE_CONFIG, else ' +
        '~/.config/tokenbridge/config.json or /etc/tokenbridge/config.json when present).',
    )
    .argument('[file]', 'the JSON configuration file')
    .option('--json', 'print the resolved configuration, or the problems, as JSON')
    .action((named: string | undefined, opts: { json?: boolean }) => {
      let resolved: ResolvedConfig;
      const file = chooseConfigFile(io.env, named)?.file ?? 'defaults (no configuration file)';
      try {
        resolved = loadConfig({ file: named, env: io.env });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        if (opts.json) printJson(io.stdout, { ok: false, file, problems: err.problems });
        else for (const problem of err.problems) io.stderr.write(formatProblem(problem) + '\n');
        throw new ExitStatus(EXIT_FAILURE);
      }
      if (opts.json) printJson(io.stdout, resolved);
      else io.stdout.write(`${file}: ok\n`);
    });

  config
    .command('defaults')
    .description('Print every setting with its default (paths for this environment).')
    .option('--kiosk', 'the defaults in kiosk mode')
    .option('--json', 'print them as JSON')
    .action((opts: { json?: boolean; kiosk?: boolean }) => {
      const defaults = opts.kiosk ? loadConfig({ env: kioskOnly(io.env) }) : defaultConfig(io.env);
      if (opts.json) {
        printJson(io.stdout, defaults);
        return;
      }
      const rows = leafPaths().map((key) => ({
        key,
        value: JSON.stringify(valueAt(defaults, key)),
      }));
      printTable(
        io.stdout,
        [
          { key: 'key', title: 'KEY' },
          { key: 'value', title: 'DEFAULT' },
        ],
        rows,
      );
    });
}

/** The environment without TOKENBRIDGE_* settings, kiosk mode on: the kiosk defaults alone. */
function kioskOnly(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith('TOKENBRIDGE_')),
  );
  return { ...clean, TOKENBRIDGE_KIOSK: 'true' };
}

function valueAt(root: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
}
