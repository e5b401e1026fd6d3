import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { assignmentsOf, BINDINGS, convertText, type Binding } from './bindings';
import { checkJson } from './json-check';
import {
  dedupe,
  problemsFromIssues,
  type ConfigProblem,
  type PathSegment,
  type ProblemSource,
} from './problems';
import { layerSchema, type ConfigLayer } from './schema';

/** One source of settings after validation: its values, or the problems that kept it out. */
export interface Layer {
  readonly source: ProblemSource;
  readonly values: ConfigLayer;
  readonly problems: readonly ConfigProblem[];
  /** Which keys this layer set, and how to name each in a message. */
  readonly describe: (path: string) => string | undefined;
}

/** Keys that hold file paths: relative ones are resolved against the file's folder or the cwd. */
const PATH_KEYS = BINDINGS.filter((b) => b.kind === 'path' || b.kind === 'store').map(
  (b) => b.path,
);

export function fileLayer(file: string, home: string): Layer {
  const label = file;
  const where = (path: readonly PathSegment[]) =>
    path.length ? `${label}: ${path.join('.')}` : label;
  const failed = (problems: ConfigProblem[]): Layer => ({
    source: 'file',
    values: {},
    problems,
    describe: () => undefined,
  });

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a folder, expected a JSON file'
            : (err as Error).message;
    return failed([{ source: 'file', where: label, path: '', message: `cannot read: ${reason}` }]);
  }
  // Editors on some systems save a byte order mark; JSON.parse refuses it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const syntax = checkJson(text);
  if (!syntax.ok) {
    return failed([
      {
        source: 'file',
        where: `${label}: line ${syntax.line}, column ${syntax.column}`,
        path: '',
        message: `not valid JSON: ${syntax.reason}`,
      },
    ]);
  }
  const duplicates: ConfigProblem[] = syntax.duplicates.map((d) => ({
    source: 'file',
    where: where(d.path),
    path: d.path.join('.'),
    message: `key appears twice (again at line ${d.line}, column ${d.column})`,
  }));

  const parsed = layerSchema.safeParse(JSON.parse(text));
  if (!parsed.success || duplicates.length > 0) {
    const issues = parsed.success ? [] : problemsFromIssues(parsed.error.issues, 'file', where);
    return failed(dedupe([...duplicates, ...issues]));
  }
  const values = resolvePaths(parsed.data, dirname(resolve(file)), home);
  return {
    source: 'file',
    values,
    problems: [],
    describe: (path) => (isSet(values, path) ? where(path.split('.')) : undefined),
  };
}

/** The `TOKENBRIDGE_*` variables that are set (an empty one counts as unset, except lists). */
export function envLayer(env: NodeJS.ProcessEnv, cwd: string, home: string): Layer {
  return textLayer(
    'env',
    (binding) => env[binding.env],
    (binding) => binding.env,
    cwd,
    home,
  );
}

/** Flags as commander hands them over: typed values, or text that is converted like the env. */
export function flagsLayer(
  flags: Readonly<Record<string, unknown>>,
  cwd: string,
  home: string,
): Layer {
  return textLayer(
    'flags',
    (binding) => flags[binding.flagKey],
    (binding) => binding.flag,
    cwd,
    home,
  );
}

function textLayer(
  source: ProblemSource,
  read: (binding: Binding) => unknown,
  name: (binding: Binding) => string,
  cwd: string,
  home: string,
): Layer {
  const raw: Record<string, unknown> = {};
  const used: Binding[] = [];
  for (const binding of BINDINGS) {
    const value = read(binding);
    if (value === undefined || (value === '' && binding.kind !== 'list')) continue;
    for (const [path, v] of assignmentsOf(binding, convert(binding, value))) setAt(raw, path, v);
    used.push(binding);
  }
  const bindingFor = (path: readonly PathSegment[]) => {
    const dotted = path.join('.');
    return used.find(
      (b) => dotted === b.path || dotted.startsWith(`${b.path}.`) || b.alsoSets?.includes(dotted),
    );
  };
  const where = (path: readonly PathSegment[]) => {
    const binding = bindingFor(path);
    if (!binding) return source;
    const rest = binding.alsoSets?.includes(path.join('.'))
      ? []
      : path.slice(binding.path.split('.').length);
    const entry = typeof rest[0] === 'number' ? `: entry ${rest[0] + 1}` : '';
    return `${name(binding)}${entry}`;
  };
  const parsed = layerSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      source,
      values: {},
      problems: problemsFromIssues(parsed.error.issues, source, where),
      describe: () => undefined,
    };
  }
  const values = resolvePaths(parsed.data, cwd, home);
  return {
    source,
    values,
    problems: [],
    describe: (path) => {
      const binding = used.find((b) => b.path === path || b.alsoSets?.includes(path));
      return binding ? `${name(binding)} (${path})` : undefined;
    },
  };
}

function convert(binding: Binding, value: unknown): unknown {
  if (typeof value === 'string') return convertText(binding, value);
  if (binding.kind === 'list' && Array.isArray(value)) {
    // A repeated flag may itself carry a separated list (`--driver hid,usb`).
    return value.flatMap((v) =>
      typeof v === 'string' ? (convertText(binding, v) as unknown[]) : [v],
    );
  }
  return value;
}

/**
 * Relative paths are taken from `base`; `~/...` from the home folder, so one file can name the
 * desktop registry for the CLI and the user service alike (`~/.local/state/tokenbridge/...`).
 */
function resolvePaths(values: ConfigLayer, base: string, home: string): ConfigLayer {
  const copy = structuredClone(values) as Record<string, unknown>;
  for (const key of PATH_KEYS) {
    const value = getAt(copy, key);
    if (typeof value !== 'string') continue;
    if (value === '~' || value.startsWith('~/')) setAt(copy, key, join(home, value.slice(1)));
    else if (!isAbsolute(value)) setAt(copy, key, resolve(base, value));
  }
  return copy as ConfigLayer;
}

export function getAt(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function setAt(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function isSet(values: ConfigLayer, path: string): boolean {
  return getAt(values, path) !== undefined;
}
