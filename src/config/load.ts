import { credentialKeyFile, defaultConfig, KIOSK_DEFAULTS } from './defaults';
import { chooseConfigFile, type ConfigFileChoice } from './files';
import { defaultPaths } from './paths';
import { envLayer, fileLayer, flagsLayer, type Layer } from './layers';
import { ConfigError, problemsFromIssues, type ConfigProblem } from './problems';
import { configSchema, CROSS_CHECKS, type ConfigLayer, type ResolvedConfig } from './schema';

export interface LoadConfigOptions {
  /**
   * The JSON file. When absent: `flags.config` (the `--config` flag), else `$TOKENBRIDGE_CONFIG`,
   * else the user's or the system's file when one exists (see chooseConfigFile), else defaults only.
   */
  readonly file?: string | undefined;
  /** The environment to read `TOKENBRIDGE_*` (and systemd's directories) from. */
  readonly env: NodeJS.ProcessEnv;
  /** Command-line flags as commander parsed them (see `addConfigOptions`); unknown keys are ignored. */
  readonly flags?: Readonly<Record<string, unknown>>;
  /** Base for relative paths in the environment and flags (the file's own folder is used for it). */
  readonly cwd?: string;
  /** Seam for the `$CREDENTIALS_DIRECTORY` key file check and the config file discovery. */
  readonly fileExists?: (path: string) => boolean;
}

/** The configuration and the file it was read from (undefined: defaults only). */
export interface LoadedConfig {
  readonly config: ResolvedConfig;
  readonly file: ConfigFileChoice | undefined;
}

/**
 * Resolves the configuration: defaults < kiosk defaults (when kiosk mode is on) < file <
 * environment < flags. Throws ConfigError listing every problem in every layer.
 */
export function loadConfig(options: LoadConfigOptions): ResolvedConfig {
  return loadConfigFile(options).config;
}

/** loadConfig, also saying which file it read. */
export function loadConfigFile(options: LoadConfigOptions): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const home = defaultPaths(options.env).home;
  const flagFile = options.flags?.config;
  const file = chooseConfigFile(
    options.env,
    options.file ?? (typeof flagFile === 'string' ? flagFile : undefined),
    options.fileExists,
  );
  const layers: Layer[] = [
    ...(file !== undefined ? [fileLayer(file.file, home)] : []),
    envLayer(options.env, cwd, home),
    flagsLayer(options.flags ?? {}, cwd, home),
  ];
  const problems: ConfigProblem[] = layers.flatMap((l) => l.problems);

  const defaults = defaultConfig(options.env, options.fileExists);
  const explicit = layers.reduce<ConfigLayer>((acc, l) => merge(acc, l.values), {});
  const kiosk = explicit.kiosk?.enabled ?? defaults.kiosk.enabled;
  // Inside the unit the credential is the key the file names for the CLI (see credentialKeyFile);
  // only the environment and flags are more explicit than it.
  const credential = credentialKeyFile(options.env, options.fileExists);
  const keyNamedExplicitly = layers.some(
    (l) => l.source !== 'file' && l.describe('store.keyFile') !== undefined,
  );
  const merged = merge(
    merge(merge(defaults, kiosk ? KIOSK_DEFAULTS : {}), explicit),
    credential !== undefined && !keyNamedExplicitly ? { store: { keyFile: credential } } : {},
  );

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    // Every layer validated on its own, so this only fires on a defaults bug; still name it.
    problems.push(...problemsFromIssues(parsed.error.issues, 'config', (p) => p.join('.')));
    throw new ConfigError(problems);
  }
  const config = parsed.data as ResolvedConfig;
  for (const check of CROSS_CHECKS) {
    if (check.holds(config)) continue;
    problems.push({
      source: 'config',
      where: whoSet(layers, check.path) ?? whoSet(layers, check.other) ?? check.path,
      path: check.path,
      message: check.message(config),
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, file };
}

/** The highest-precedence layer that set `path`, named the way that layer names keys. */
function whoSet(layers: readonly Layer[], path: string): string | undefined {
  for (const layer of [...layers].reverse()) {
    const name = layer.describe(path);
    if (name !== undefined) return name;
  }
  return undefined;
}

/** Objects merge key by key; anything else (lists included) is replaced by the later layer. */
/**
 * A resolved configuration with some keys replaced, validated again (tests, QA and benchmarks start
 * from the defaults and move a few keys; a typo in an override fails as a config file would).
 */
export function withOverrides(base: ResolvedConfig, over: ConfigLayer = {}): ResolvedConfig {
  const parsed = configSchema.safeParse(merge(base, over));
  if (!parsed.success)
    throw new ConfigError(problemsFromIssues(parsed.error.issues, 'config', (p) => p.join('.')));
  return parsed.data as ResolvedConfig;
}

function merge<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    out[key] = merge(out[key], value);
  }
  return out as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
