import { Command, CommanderError } from 'commander';
import { version } from '../../package.json';
import { TokenBridgeError, UsageError } from '../core';
import { registerCommands } from './commands';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, ExitStatus, type CliIo } from './io';

/** The CLI; with `argv`, only the command it names is loaded (see registerCommands). */
export function buildProgram(io: CliIo, argv?: readonly string[]): Command {
  const program = new Command('tokenbridge')
    .description('Bridge USB one-time-passcode tokens to the web.')
    .version(version)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // One line on error, in the one style: commander's own message as `tokenbridge: ...`.
      outputError: (s, write) => write(`tokenbridge: ${commanderLine(s)}\n`),
    });
  registerCommands(program, io, argv);
  // Every subcommand inherits the one-line-error behaviour.
  for (const cmd of allCommands(program))
    cmd.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** Commander's message ("error: unknown option '--x'\n(Did you mean ...?)") as one line. */
export function commanderLine(message: string): string {
  return message
    .split('\n')[0]!
    .replace(/^error: /, '')
    .trim();
}

function* allCommands(cmd: Command): Generator<Command> {
  for (const sub of cmd.commands) {
    yield sub;
    yield* allCommands(sub);
  }
}

/** Runs the CLI and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io, argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    return exitCodeFor(err, io);
  }
}

function exitCodeFor(err: unknown, io: CliIo): number {
  if (err instanceof ExitStatus) return err.exitCode;
  if (err instanceof CommanderError) {
    // --help and --version end through here with code 0.
    if (err.exitCode === 0) return EXIT_OK;
    return EXIT_USAGE; // commander already printed its one line
  }
  if (err instanceof UsageError) {
    io.stderr.write(`tokenbridge: ${err.message}\n`);
    return EXIT_USAGE;
  }
  const message =
    err instanceof TokenBridgeError
      ? err.message
      : err instanceof Error
        ? err.message
        : String(err);
  io.stderr.write(`tokenbridge: ${message.split('\n')[0]}\n`);
  return EXIT_FAILURE;
}
