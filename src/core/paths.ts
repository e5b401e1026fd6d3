import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Default file locations. Under systemd `$STATE_DIRECTORY` and `$RUNTIME_DIRECTORY` win; otherwise the
 * XDG base directories; `--store PATH` and the configuration override these everywhere.
 */
export interface Paths {
  readonly stateDir: string;
  readonly runtimeDir: string;
  readonly store: string;
  readonly keyFile: string;
  readonly emulatorSocket: string;
}

export function defaultPaths(env: NodeJS.ProcessEnv = process.env): Paths {
  const stateDir =
    firstPath(env.STATE_DIRECTORY) ??
    join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'tokenbridge');
  const runtimeDir =
    firstPath(env.RUNTIME_DIRECTORY) ??
    (env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'tokenbridge') : stateDir);
  return {
    stateDir,
    runtimeDir,
    store: join(stateDir, 'tokens.sqlite'),
    keyFile: join(stateDir, 'seed.key'),
    emulatorSocket: join(runtimeDir, 'emulator.sock'),
  };
}

/** systemd passes several directories separated by ':'; the first is ours. */
function firstPath(value: string | undefined): string | undefined {
  const first = value?.split(':')[0];
  return first ? first : undefined;
}
