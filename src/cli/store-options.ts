import type { Command } from 'commander';
import { SqliteTokenStore } from '../tokens';
import type { CliIo } from './program';

/** The flags every registry command takes. */
export interface StoreFlags {
  store?: string;
  keyFile?: string;
}

/** Adds `--store PATH` and `--key-file PATH` to a command. */
export function withStoreOptions(cmd: Command): Command {
  return cmd
    .option(
      '--store <path>',
      'the registry file (default: $STATE_DIRECTORY or XDG state dir, tokens.sqlite)',
    )
    .option(
      '--key-file <path>',
      'the seed key file (default: seed.key beside the default store; $CREDENTIALS_DIRECTORY/tokenbridge.key wins when set)',
    );
}

/** Opens the registry named by the parsed flags; the caller closes it (`closeSync`). */
export function openStoreFromFlags(flags: StoreFlags, io: CliIo): SqliteTokenStore {
  return SqliteTokenStore.open({
    ...(flags.store !== undefined ? { path: flags.store } : {}),
    ...(flags.keyFile !== undefined ? { keyFile: flags.keyFile } : {}),
    env: io.env,
  });
}
