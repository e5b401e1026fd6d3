import { Command } from 'commander';
import { basename } from 'node:path';
import { counted, plural, systemClock, UsageError, type Clock } from '../../core';
import type { Digits, Period } from '../../otp';
import {
  DEFAULT_CSV,
  IMPORT_FORMATS,
  importFile,
  type CsvDefaults,
  type ImportFileResult,
  type ImportFormat,
  type ImportProgress,
  type ImportTarget,
  type PskcSecrets,
  type PskcSecretSource,
} from '../../tokens/import';
import { choiceOption } from '../options';
import { pskcSecretsFrom, type PskcSecretFlags } from '../pskc-secrets';
import { printJson } from '../output';
import type { CliIo } from '../io';
import { addConfigOptions } from '../config-options';
import { withRuntime } from '../with-runtime';

interface ImportFlags extends PskcSecretFlags {
  format?: ImportFormat;
  type?: 'hotp' | 'totp';
  digits?: Digits;
  period?: Period;
  allowPlaintext?: boolean;
  replace?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** Redraw the bar at most this often: a 100,000-line file must not spend its time on the terminal. */
export const PROGRESS_INTERVAL_MS = 100;
const BAR_WIDTH = 30;

/** `tokenbridge tokens import FILE`: adds the `import` subcommand to the registry's `tokens`. */
export function register(program: Command, io: CliIo): void {
  let tokens = program.commands.find((c) => c.name() === 'tokens');
  if (!tokens) tokens = program.command('tokens').description('The token registry.');
  const cmd = tokens
    .command('import')
    .argument('<file>', 'seed file: PingID csv/txt, OATH CSV, YubiKey personalization log, or PSKC')
    .description(
      'Import a vendor seed file into the registry, all-or-nothing: any bad record refuses the ' +
        'whole file, naming its line or KeyPackage. The format is detected from the content.',
    )
    .option(
      '--format <format>',
      `${IMPORT_FORMATS.join('|')} (default: detected; privacyIDEA files without a type column read as csv)`,
      choiceOption('--format', IMPORT_FORMATS),
    )
    .option(
      '--type <type>',
      'csv format: hotp|totp for every row (default hotp)',
      choiceOption('--type', ['hotp', 'totp'] as const),
    )
    .option(
      '--digits <n>',
      'csv format: 6|8 (default 6)',
      (v: string) => Number(choiceOption('--digits', ['6', '8'])(v)) as Digits,
    )
    .option(
      '--period <seconds>',
      'csv format, TOTP: 30|60 (default 30)',
      (v: string) => Number(choiceOption('--period', ['30', '60'])(v)) as Period,
    )
    .option(
      '--pskc-key-file <file>',
      'pskc: a file holding the pre-shared AES key as hex (16, 24 or 32 bytes)',
    )
    .option('--password-file <file>', 'pskc: a file holding the password the key is derived from')
    .option(
      '--key <hex>',
      'pskc: the pre-shared key on the command line (other users can read it; prefer --pskc-key-file or the prompt)',
    )
    .option(
      '--password <pw>',
      'pskc: the password on the command line (other users can read it; prefer --password-file or the prompt)',
    )
    .option(
      '--allow-plaintext',
      'pskc: import a plaintext file although a key or password was given',
    )
    .option(
      '--replace',
      'overwrite tokens whose serial already exists (otherwise the import fails)',
    )
    .option('--dry-run', 'check the whole file and report, changing nothing')
    .option('--json', 'print the summary as JSON');
  addConfigOptions(cmd, ['store']).action(async (file: string, flags: ImportFlags) => {
    const csv = csvDefaults(flags);
    const secrets = await pskcSecretsFrom(flags, io, file);
    await withRuntime(io, flags, async (runtime) => {
      const result = await runImport(await runtime.store(), file, flags, csv, secrets, io);
      printSummary(io, file, result, flags.json === true);
    });
  });
}

function csvDefaults(flags: ImportFlags): CsvDefaults | undefined {
  if (flags.type === undefined && flags.digits === undefined && flags.period === undefined) {
    return undefined;
  }
  const type = flags.type ?? DEFAULT_CSV.type;
  if (type === 'hotp' && flags.period !== undefined) {
    throw new UsageError('--period applies to --type totp only');
  }
  return {
    type,
    digits: flags.digits ?? DEFAULT_CSV.digits,
    period: flags.period ?? DEFAULT_CSV.period,
  };
}

async function runImport(
  target: ImportTarget,
  file: string,
  flags: ImportFlags,
  csv: CsvDefaults | undefined,
  secrets: PskcSecrets | PskcSecretSource | undefined,
  io: CliIo,
): Promise<ImportFileResult> {
  const bar = io.stderr.isTTY ? new ProgressBar(io.stderr, systemClock) : undefined;
  try {
    return await importFile(target, file, {
      replace: flags.replace === true,
      dryRun: flags.dryRun === true,
      ...(flags.format ? { format: flags.format } : {}),
      ...(csv ? { csv } : {}),
      ...(secrets ? { secrets } : {}),
      allowPlaintext: flags.allowPlaintext === true,
      ...(bar ? { onProgress: (p: ImportProgress) => bar.update(p) } : {}),
    });
  } finally {
    bar?.clear();
  }
}

function printSummary(io: CliIo, file: string, r: ImportFileResult, json: boolean): void {
  if (json) {
    printJson(io.stdout, {
      file: basename(file),
      format: r.format,
      tokens: r.tokens,
      added: r.added,
      replaced: r.replaced,
      dryRun: r.dryRun,
    });
    return;
  }
  const counts = `${r.added} added, ${r.replaced} replaced`;
  io.stdout.write(
    r.dryRun
      ? `dry run: ${counted(r.tokens, 'token')} in ${basename(file)} (${r.format}) would import: ${counts}; nothing was changed\n`
      : `imported ${counted(r.tokens, 'token')} from ${basename(file)} (${r.format}): ${counts}\n`,
  );
}

/** A one-line bar on a terminal's stderr, redrawn at most every PROGRESS_INTERVAL_MS. */
export class ProgressBar {
  private last = -Infinity;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly clock: Clock,
  ) {}

  update(p: ImportProgress): void {
    const now = this.clock.now();
    if (now - this.last < PROGRESS_INTERVAL_MS) return;
    this.last = now;
    this.drawn = true;
    this.out.write(`\r${renderProgress(p)}`);
  }

  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[2K'); // CR, then erase the whole line
    this.drawn = false;
  }
}

export function renderProgress(p: ImportProgress): string {
  const fraction = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 1;
  const filled = Math.round(fraction * BAR_WIDTH);
  const percent = String(Math.floor(fraction * 100)).padStart(3);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${percent}% ${p.tokens.toLocaleString('en-US')} ${plural(p.tokens, 'token')}`;
}
