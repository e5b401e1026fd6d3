import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program';
import { OutputWatch } from './output-watch';

let home: string | undefined;
afterAll(() => {
  if (home !== undefined) rmSync(home, { recursive: true, force: true });
  home = undefined;
});

/**
 * The environment a command sees in a test: this process's, without anything that points
 * tokenbridge at a file of the machine (TOKENBRIDGE_*, XDG and systemd directories) and with a
 * throwaway HOME, so a default path or configuration file is always the test's own.
 */
export function isolatedEnv(over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  home ??= mkdtempSync(join(tmpdir(), 'tb-cli-home-'));
  const machine = /^(TOKENBRIDGE_|XDG_)|^(STATE|RUNTIME|CREDENTIALS)_DIRECTORY$/;
  const kept = Object.entries(process.env).filter(([name]) => !machine.test(name));
  return { ...Object.fromEntries(kept), HOME: home, ...over };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  /** The exit status and the whole output, once the command has returned. */
  readonly result: Promise<CliResult>;
  /** Its output so far, to wait for the line that says it is ready. */
  readonly stdout: OutputWatch;
  readonly stderr: OutputWatch;
}

/** Starts the real CLI in process with captured output; see runTokenbridge. */
export function startTokenbridge(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stdin?: string } = {},
): RunningCli {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  const out = new OutputWatch(stdout);
  const err = new OutputWatch(stderr);
  if (options.stdin !== undefined) stdin.end(options.stdin);
  else stdin.end();
  const result = runCli(args, {
    stdout,
    stderr,
    stdin,
    env: isolatedEnv(options.env),
  }).then((code) => ({ code, stdout: out.text, stderr: err.text }));
  const ended = (why: string) => {
    out.end(why);
    err.end(why);
  };
  void result.then(
    ({ code }) => ended(`the command returned ${code}`),
    () => ended('the command threw'),
  );
  return { result, stdout: out, stderr: err };
}

/** Runs the real CLI in process with captured output, in an isolated environment (isolatedEnv). */
export function runTokenbridge(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stdin?: string } = {},
): Promise<CliResult> {
  return startTokenbridge(args, options).result;
}
