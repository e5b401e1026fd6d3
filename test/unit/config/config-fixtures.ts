import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, formatProblem, loadConfig, type ResolvedConfig } from '../../../src/config';

/** A temp folder for config files, removed by `cleanup()`. */
export class TempFiles {
  readonly dir = mkdtempSync(join(tmpdir(), 'tokenbridge-config-'));
  private count = 0;

  /** Writes `content` (a value to serialise, or raw text) and returns the file's path. */
  write(content: unknown, name = `config-${++this.count}.json`): string {
    const path = join(this.dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An environment with no TOKENBRIDGE_* variables and fixed XDG paths. */
export const BASE_ENV: NodeJS.ProcessEnv = Object.freeze({
  HOME: '/home/u',
  XDG_STATE_HOME: '/home/u/.local/state',
  XDG_RUNTIME_DIR: '/run/user/1000',
});

/** The config files written by `load` (one folder per test file; jest isolates modules per file). */
export const files = new TempFiles();
afterAll(() => files.cleanup());

/** Loads `content` as the config file and returns the resolved config, or the problem lines. */
export function load(
  content: unknown,
  env: NodeJS.ProcessEnv = BASE_ENV,
  flags: Record<string, unknown> = {},
): ResolvedConfig | string[] {
  const file = files.write(content);
  try {
    return loadConfig({ file, env, flags, cwd: '/work' });
  } catch (err) {
    if (err instanceof ConfigError)
      return err.problems.map((p) => formatProblem(p).replace(file, 'FILE'));
    throw err;
  }
}

export function problems(
  content: unknown,
  env?: NodeJS.ProcessEnv,
  flags?: Record<string, unknown>,
): string[] {
  const result = load(content, env, flags);
  if (!Array.isArray(result)) throw new Error('expected the configuration to be refused');
  return result;
}

export function resolved(
  content: unknown,
  env?: NodeJS.ProcessEnv,
  flags?: Record<string, unknown>,
): ResolvedConfig {
  const result = load(content, env, flags);
  if (Array.isArray(result))
    throw new Error(`expected a valid configuration, got:\n${result.join('\n')}`);
  return result;
}

/** A one-key config: `{ server: { port: 1 } }` from ('server.port', 1). */
export function at(path: string, value: unknown): Record<string, unknown> {
  return path.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<
    string,
    unknown
  >;
}

export function get(config: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);
}
