import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program';

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

/** Runs the real CLI in process with captured output, in an isolated environment (isolatedEnv). */
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
    env: isolatedEnv(options.env),
  });
  return { code, stdout: out, stderr: err };
}
