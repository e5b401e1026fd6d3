import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in process with captured output. */
export async function runTokenbridge(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stdin?: string } = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  if (options.stdin !== undefined) stdin.end(options.stdin);
  else stdin.end();
  const code = await runCli(args, {
    stdout,
    stderr,
    stdin,
    env: { ...process.env, ...options.env },
  });
  return { code, stdout: out, stderr: err };
}
