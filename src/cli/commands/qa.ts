import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../../core';
import { defaultConfig } from '../config';
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
import { EXIT_FAILURE, EXIT_USAGE, ExitStatus, type CliIo } from '../program';

interface QaRunOptions {
  daemon?: string;
  socket?: string;
  origin?: string;
  store?: string;
  keyFile?: string;
  junit?: string;
  json?: boolean;
}

/** `tokenbridge qa run FILE...`: hardware-QA scenarios against virtual tokens (docs/qa.md). */
export function register(program: Command, io: CliIo): void {
  const qa = program
    .command('qa')
    .description('Hardware-QA scenarios with virtual tokens (docs/qa.md).');
  qa.command('run')
    .description(
      'Run scenario files (YAML or JSON). Without --daemon each file gets its own in-process ' +
        'daemon; with --daemon the scenarios drive a running one, tokens attaching over its ' +
        'emulator socket. Exits 0 when every scenario passed, 1 when any failed, 2 for bad files.',
    )
    .argument('<files...>', 'scenario files')
    .option('--daemon <url>', "a running daemon's WebSocket, e.g. ws://127.0.0.1:7343/ws")
    .option('--socket <path>', "the running daemon's emulator socket (with --daemon)")
    .option('--origin <url>', "Origin the clients send (with --daemon; default: the daemon's page)")
    .option(
      '--store <path>',
      "the running daemon's registry file, for registry entries (with --daemon)",
    )
    .option('--key-file <path>', "the running daemon's seed key file (with --store)")
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--json', 'print the results as JSON instead of lines')
    .action((files: string[], opts: QaRunOptions) => runQa(files, opts, io));
}

async function runQa(paths: string[], opts: QaRunOptions, io: CliIo): Promise<void> {
  const makeTarget = targetFactory(opts, io);
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

function targetFactory(opts: QaRunOptions, io: CliIo): () => Promise<QaTarget> {
  const remoteOnly = (['socket', 'origin', 'store', 'keyFile'] as const).filter(
    (k) => opts[k] !== undefined,
  );
  if (opts.daemon === undefined) {
    if (remoteOnly.length > 0) throw new UsageError(`--${flagName(remoteOnly[0]!)} needs --daemon`);
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
    env: io.env,
    ...(opts.socket !== undefined ? { socket: opts.socket } : {}),
    ...(opts.origin !== undefined ? { origin: opts.origin } : {}),
    ...(opts.store !== undefined ? { store: opts.store } : {}),
    ...(opts.keyFile !== undefined ? { keyFile: opts.keyFile } : {}),
  });
  return async () => target;
}

function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
