import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program';
import { OutputWatch } from './output-watch';

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
    env: { ...process.env, ...options.env },
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

/** Runs the real CLI in process with captured output. */
export function runTokenbridge(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stdin?: string } = {},
): Promise<CliResult> {
  return startTokenbridge(args, options).result;
}
