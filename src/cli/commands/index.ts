/* eslint-disable @typescript-eslint/no-require-imports -- each command loads when it is asked for */
import type { Command } from 'commander';
import type { CliIo } from '../io';

/** Each command file exports `register(program, io)`. */
type Register = (program: Command, io: CliIo) => void;

interface CommandEntry {
  readonly name: string;
  /** The line `tokenbridge --help` shows; the command's own --help has its whole description. */
  readonly summary: string;
  /** The command's modules, loaded only when it runs or its help is asked for. */
  load(): Register[];
}

/**
 * Every command, in the order `--help` lists them. A run loads only the module of the command it
 * names (and `--help` none): `tokenbridge --help` never pays for SQLite, zod or the drivers.
 */
const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'serve',
    summary: 'Run the daemon: devices, registry, the pairing page and its WebSocket API.',
    load: () => [(require('./serve') as typeof import('./serve')).register],
  },
  {
    name: 'otp',
    summary: "Passcode calculators for QA (HOTP, TOTP, Yubico OTP, a virtual token's secrets).",
    load: () => [(require('./otp') as typeof import('./otp')).register],
  },
  {
    name: 'config',
    summary: 'Check a configuration file, or print the defaults.',
    load: () => [(require('./config') as typeof import('./config')).register],
  },
  {
    name: 'tokens',
    summary: 'The token registry: import, list, show, verify, resync, unlock, pair, unpair, ...',
    load: () => [
      (require('./tokens') as typeof import('./tokens')).register,
      (require('./tokens-import') as typeof import('./tokens-import')).register,
    ],
  },
  {
    name: 'store',
    summary: 'The registry itself: its schema, its health, copies between SQLite and PostgreSQL.',
    load: () => [(require('./store') as typeof import('./store')).register],
  },
  {
    name: 'devices',
    summary: 'List the drivers and the tokens attached now (the running daemon’s when one runs).',
    load: () => [(require('./devices') as typeof import('./devices')).register],
  },
  {
    name: 'watch',
    summary: 'Print each event the page receives, as it happens.',
    load: () => [(require('./watch') as typeof import('./watch')).register],
  },
  {
    name: 'emulate',
    summary: 'Run a virtual token in this terminal, attached to a running daemon.',
    load: () => [(require('./emulate') as typeof import('./emulate')).register],
  },
  {
    name: 'keys',
    summary:
      "A key's OTP slots: info, program (a fresh credential, verified and registered), delete, swap.",
    load: () => [(require('./keys') as typeof import('./keys')).register],
  },
  {
    name: 'doctor',
    summary: 'Check this machine for tokenbridge and print the fix for each problem.',
    load: () => [(require('./doctor') as typeof import('./doctor')).register],
  },
  {
    name: 'qa',
    summary: 'Hardware-QA scenarios with virtual tokens (docs/qa.md).',
    load: () => [(require('./qa') as typeof import('./qa')).register],
  },
  {
    name: 'url',
    summary: "Print the page's address (with the install capability where the daemon needs one).",
    load: () => [(require('./url') as typeof import('./url')).register],
  },
];

/**
 * Registers the commands. With `argv`, only the command it names is built in full and the others
 * are listed by their summary (enough for `--help` and for "unknown command"); without, all of them.
 */
export function registerCommands(program: Command, io: CliIo, argv?: readonly string[]): void {
  const wanted = argv === undefined ? undefined : commandNameOf(argv);
  for (const entry of COMMANDS) {
    if (argv === undefined || entry.name === wanted) {
      for (const register of entry.load()) register(program, io);
      program.commands.find((c) => c.name() === entry.name)?.summary(entry.summary);
    } else {
      program.command(entry.name).summary(entry.summary);
    }
  }
}

/** The command a command line names: its first word, or the one after `help`. */
function commandNameOf(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}
