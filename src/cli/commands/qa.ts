import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../../core';
import { defaultConfig } from '../../config';
import type { Runtime } from '../../runtime';
import {
  defaultOrigin,
  InProcessTarget,
  junitXml,
  loadScenarioFile,
  RemoteTarget,
  runScenarioFiles,
  ScenarioFileError,
  summaryLine,
  textReporter,
  totalsOf,
  type QaTarget,
  type ScenarioFile,
} from '../../qa';
import { addConfigOptions } from '../config-options';
import { EXIT_FAILURE, EXIT_USAGE, ExitStatus, type CliIo } from '../io';
import { withRuntime } from '../with-runtime';

interface QaRunOptions {
  daemon?: string;
  origin?: string;
  junit?: string;
  json?: boolean;
  // The running daemon's configuration (with --daemon): its emulator socket and registry.
  emulatorSocket?: string;
  store?: string;
  keyFile?: string;
  config?: string;
}

/** `tokenbridge qa run FILE...`: hardware-QA scenarios against virtual tokens (docs/qa.md). */
export function register(program: Command, io: CliIo): void {
  const qa = program
    .command('qa')
    .description('Hardware-QA scenarios with virtual tokens (docs/qa.md).');
  const run = qa
    .command('run')
    .description(
      'Run scenario files (YAML or JSON). Without --daemon each file gets its own in-process ' +
        'daemon; with --daemon the scenarios drive a running one, tokens attaching over its ' +
        'emulator socket. Exits 0 when every scenario passed, 1 when any failed, 2 for bad files.',
    )
    .argument('<files...>', 'scenario files')
    .option('--daemon <url>', "a running daemon's WebSocket, e.g. ws://127.0.0.1:7343/ws")
    .option(
      '--origin <url>',
      "Origin the clients send (with --daemon; default: the daemon's page)",
    );
  // With --daemon: the running daemon's configuration says where its socket and registry are.
  addConfigOptions(run, ['store', 'drivers.emulatorSocket'])
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--json', 'print the results as JSON instead of lines')
    .action((files: string[], opts: QaRunOptions) =>
      opts.daemon === undefined
        ? runQa(files, opts, io, undefined)
        : withRuntime(io, opts, (runtime) => runQa(files, opts, io, runtime)),
    );
}

async function runQa(
  paths: string[],
  opts: QaRunOptions,
  io: CliIo,
  runtime: Runtime | undefined,
): Promise<void> {
  const makeTarget = targetFactory(opts, runtime);
  const files: ScenarioFile[] = [];
  let bad = false;
  for (const path of paths) {
    try {
      files.push(await loadScenarioFile(path));
    } catch (err) {
      if (!(err instanceof ScenarioFileError)) throw err;
      for (const problem of err.problems) io.stderr.write(`tokenbridge: ${problem}\n`);
      bad = true;
    }
  }
  if (bad) throw new ExitStatus(EXIT_USAGE);

  const started = Date.now();
  const results = await runScenarioFiles(
    files,
    makeTarget,
    opts.json ? {} : textReporter(io.stdout),
  );
  const durationMs = Date.now() - started;
  if (opts.json)
    io.stdout.write(
      JSON.stringify({ files: results, totals: totalsOf(results), durationMs }, null, 2) + '\n',
    );
  else io.stdout.write(summaryLine(results, durationMs) + '\n');
  if (opts.junit !== undefined) {
    try {
      await mkdir(dirname(opts.junit), { recursive: true });
      await writeFile(opts.junit, junitXml(results));
    } catch (err) {
      throw new Error(
        `--junit: cannot write ${opts.junit}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        { cause: err },
      );
    }
  }
  const totals = totalsOf(results);
  if (totals.failed + totals.errors > 0) throw new ExitStatus(EXIT_FAILURE);
}

function targetFactory(opts: QaRunOptions, runtime: Runtime | undefined): () => Promise<QaTarget> {
  const remoteOnly = REMOTE_ONLY.filter(([key]) => opts[key] !== undefined);
  if (opts.daemon === undefined || runtime === undefined) {
    if (remoteOnly.length > 0) throw new UsageError(`${remoteOnly[0]![1]} needs --daemon`);
    // Defaults only: a tester's config file must not change what a scenario checks.
    const defaults = defaultConfig({});
    return () => InProcessTarget.start({ defaults });
  }
  let wsUrl: string;
  try {
    wsUrl = new URL(opts.daemon).href;
  } catch {
    throw new UsageError(
      `--daemon: expected a URL such as ws://127.0.0.1:7343/ws, got "${opts.daemon}"`,
    );
  }
  defaultOrigin(wsUrl); // refuses a URL that is not ws:// or wss://
  if (opts.origin !== undefined && !/^https?:\/\/[^/]+$/.test(opts.origin)) {
    throw new UsageError(
      `--origin: expected an origin such as http://127.0.0.1:7343, got "${opts.origin}"`,
    );
  }
  const target = new RemoteTarget({
    wsUrl: opts.daemon,
    runtime,
    ...(opts.origin !== undefined ? { origin: opts.origin } : {}),
  });
  return async () => target;
}

/** Flags that describe a running daemon, so they mean nothing without --daemon. */
const REMOTE_ONLY: ReadonlyArray<readonly [keyof QaRunOptions, string]> = [
  ['emulatorSocket', '--socket'],
  ['origin', '--origin'],
  ['store', '--store'],
  ['keyFile', '--key-file'],
  ['config', '--config'],
];
