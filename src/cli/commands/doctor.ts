import type { Command } from 'commander';
import {
  chooseConfigFile,
  ConfigError,
  defaultConfig,
  describeConfigFile,
  formatProblem,
  loadConfigFile,
  type ResolvedConfig,
} from '../../config';
import { formatReport, runDoctor, type CheckResult } from '../doctor';
import { printJson } from '../output';
import { EXIT_FAILURE, ExitStatus, type CliIo } from '../io';

/** `tokenbridge doctor`: what stands between this machine and a working daemon, with fixes. */
export function register(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description(
      'Check this machine for tokenbridge: token access (hidraw, udev rule), native drivers, USB bus, registry and key file modes, the port, and exclusive capture. Exits 1 when a check fails.',
    )
    .option(
      '--config <file>',
      'the configuration `serve` would use (default: $TOKENBRIDGE_CONFIG, else ~/.config/tokenbridge/config.json or /etc/tokenbridge/config.json when present)',
    )
    .option('--json', 'print { ok, checks: [{ id, title, status, detail, fix }] }')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const { config, check } = resolveConfig(opts.config, io.env);
      const report = await runDoctor({ config, env: io.env });
      const checks = [check, ...report.checks];
      const ok = report.ok && check.status !== 'fail';
      if (opts.json) printJson(io.stdout, { ok, checks });
      else io.stdout.write(formatReport({ ok, checks }));
      if (!ok) throw new ExitStatus(EXIT_FAILURE);
    });
}

/** The configuration as `serve` would load it; a broken one is a failed check, then the defaults. */
function resolveConfig(
  file: string | undefined,
  env: NodeJS.ProcessEnv,
): { config: ResolvedConfig; check: CheckResult } {
  const base = { id: 'config', title: 'configuration' };
  try {
    const loaded = loadConfigFile({ file, env });
    return {
      config: loaded.config,
      check: { ...base, status: 'ok', detail: `${describeConfigFile(loaded.file)}: valid` },
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return {
      config: defaultConfig(env),
      check: {
        ...base,
        status: 'fail',
        detail: `${err.problems.map(formatProblem).join('; ')} (checked the rest with the defaults)`,
        fix: `tokenbridge config check ${chooseConfigFile(env, file)?.file ?? '<file>'} lists every problem`,
      },
    };
  }
}
