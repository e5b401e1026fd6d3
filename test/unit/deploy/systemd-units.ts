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
