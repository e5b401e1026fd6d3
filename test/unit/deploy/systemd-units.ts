import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SYSTEMD_DIR = join(__dirname, '..', '..', '..', 'systemd');

export interface Setting {
  readonly section: string;
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/**
 * Parses a unit file (systemd.syntax(7)): [Section] headers, Key=Value lines, comments starting
 * with # or ;, backslash continuations. Throws naming the line for anything else.
 */
export function parseUnit(text: string): Setting[] {
  const settings: Setting[] = [];
  let section: string | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length)
      line = line.slice(0, -1) + ' ' + lines[++i]!.trim();
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const pair = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!pair) throw new Error(`line ${lineNumber}: not a section header or Key=Value: ${line}`);
    if (section === undefined)
      throw new Error(`line ${lineNumber}: ${pair[1]} before any [Section]`);
    settings.push({ section, key: pair[1]!, value: pair[2]!.trim(), line: lineNumber });
  }
  return settings;
}

export function readUnit(name: string): Setting[] {
  return parseUnit(readFileSync(join(SYSTEMD_DIR, name), 'utf8'));
}

/** The values of a key (in order), or [] when absent. */
export function valuesOf(settings: readonly Setting[], section: string, key: string): string[] {
  return settings.filter((s) => s.section === section && s.key === key).map((s) => s.value);
}

/** Runs systemd-analyze, failing with the install hint when it is missing (never skipping). */
export function systemdAnalyze(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { status: number; stdout: string; stderr: string } {
  const result = spawnSync('systemd-analyze', args, { encoding: 'utf8', env, timeout: 15_000 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('systemd-analyze not found: apt-get install systemd (CI installs it)');
  }
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The systemd versions the docs cover whose user units resolve specifiers differently. */
export type UserManagerVersion = 252 | 254;

/** A user unit as its manager would start it: the command line and the environment it sets. */
export interface UserServiceStart {
  readonly argv: string[];
  readonly env: NodeJS.ProcessEnv;
}

/**
 * What a user manager of `version` runs for a unit and with which variables (systemd.exec(5),
 * systemd.unit(5) "Specifiers"): `%h` is the home folder, `%E` `$XDG_CONFIG_HOME`, `%t`
 * `$XDG_RUNTIME_DIR`, and `%S` (with it `StateDirectory=`, set as `$STATE_DIRECTORY`) is
 * `$XDG_CONFIG_HOME` under systemd 252 but `$XDG_STATE_HOME` from 254 on. The manager's own
 * environment is `home` and `runtimeDir` with no other XDG variables, as on a fresh session.
 */
export function userServiceStart(
  settings: readonly Setting[],
  version: UserManagerVersion,
  home: string,
  runtimeDir: string,
): UserServiceStart {
  const configHome = join(home, '.config');
  const stateHome = version >= 254 ? join(home, '.local', 'state') : configHome;
  const specifiers: Record<string, string> = {
    h: home,
    E: configHome,
    S: stateHome,
    t: runtimeDir,
    '%': '%',
  };
  const expand = (text: string) =>
    text.replace(/%(.)/g, (_, c: string) => {
      const value = specifiers[c];
      if (value === undefined) throw new Error(`specifier %${c} is not simulated`);
      return value;
    });
  const env: NodeJS.ProcessEnv = { HOME: home, XDG_RUNTIME_DIR: runtimeDir };
  const directories: Record<string, [string, string]> = {
    StateDirectory: ['STATE_DIRECTORY', stateHome],
    RuntimeDirectory: ['RUNTIME_DIRECTORY', runtimeDir],
    ConfigurationDirectory: ['CONFIGURATION_DIRECTORY', configHome],
    CacheDirectory: ['CACHE_DIRECTORY', join(home, '.cache')],
    LogsDirectory: ['LOGS_DIRECTORY', join(stateHome, 'log')],
  };
  for (const [key, [variable, base]] of Object.entries(directories)) {
    const names = valuesOf(settings, 'Service', key).flatMap((v) => v.split(/\s+/));
    if (names.length > 0) env[variable] = names.map((n) => join(base, n)).join(':');
  }
  for (const line of valuesOf(settings, 'Service', 'Environment')) {
    for (const assignment of line.split(/\s+/)) {
      const eq = assignment.indexOf('=');
      env[assignment.slice(0, eq)] = expand(assignment.slice(eq + 1));
    }
  }
  const exec = valuesOf(settings, 'Service', 'ExecStart').filter((v) => v !== '');
  if (exec.length !== 1) throw new Error('expected one ExecStart=');
  return { argv: exec[0]!.split(/\s+/).map(expand), env };
}
