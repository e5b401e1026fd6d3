import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { parseVirtualSpec } from '../../drivers/virtual';
import { ValidationError } from '../core';
import { describeIssues } from './describe-issues';
import {
  DEFAULT_CLIENT,
  type Scenario,
  type ScenarioClient,
  type ScenarioFile,
  type ScenarioToken,
} from './scenario';
import {
  ScenarioHeader,
  STEP_KINDS,
  STEP_SCHEMAS,
  type Step,
  type StepKind,
} from './scenario-schema';
import { findReferences, type ScopeValue } from './substitute';

/** A scenario file that does not validate; each problem names the file, scenario, step and field. */
export class ScenarioFileError extends ValidationError {
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(problems[0] ?? `${path}: invalid scenario file`);
  }
}

/** Reads and validates one file (JSON for `.json`, YAML otherwise). */
export async function loadScenarioFile(path: string): Promise<ScenarioFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ScenarioFileError(path, [`${path}: cannot read the file (${code})`]);
  }
  return parseScenarioText(path, text);
}

/** Validates a file's text; `path` decides the format and prefixes every message. */
export function parseScenarioText(path: string, text: string): ScenarioFile {
  let raw: unknown;
  try {
    raw =
      extname(path).toLowerCase() === '.json'
        ? JSON.parse(text)
        : parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    const detail =
      err instanceof YAMLParseError && err.linePos
        ? `line ${err.linePos[0].line}: ${err.message.split('\n')[0]}`
        : err instanceof Error
          ? err.message.split('\n')[0]
          : String(err);
    throw new ScenarioFileError(path, [
      `${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${detail}`,
    ]);
  }
  const problems: string[] = [];
  const scenarios: Scenario[] = [];
  const list = scenarioList(raw, path, problems);
  list.forEach((item, index) => {
    const where =
      list.length > 1 || (isRecord(raw) && 'scenarios' in raw) ? `scenarios.${index}` : '';
    const scenario = parseScenario(item, (at, message) =>
      problems.push(`${path}: ${at(where)}${message}`),
    );
    if (scenario) scenarios.push(scenario);
  });
  if (problems.length > 0) throw new ScenarioFileError(path, problems);
  return { path, scenarios };
}

function scenarioList(raw: unknown, path: string, problems: string[]): unknown[] {
  if (isRecord(raw) && 'scenarios' in raw) {
    const extra = Object.keys(raw).filter((k) => k !== 'scenarios');
    if (extra.length > 0)
      problems.push(
        `${path}: unknown top-level key${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')} beside "scenarios"`,
      );
    if (!Array.isArray(raw.scenarios) || raw.scenarios.length === 0) {
      problems.push(`${path}: scenarios: expected a non-empty list of scenarios`);
      return [];
    }
    return raw.scenarios;
  }
  if (!isRecord(raw)) {
    problems.push(
      `${path}: expected a scenario (an object with name and steps) or { scenarios: [...] }`,
    );
    return [];
  }
  return [raw];
}

type Report = (at: (where: string) => string, message: string) => void;

function parseScenario(raw: unknown, report: Report): Scenario | undefined {
  const label =
    isRecord(raw) && typeof raw.name === 'string' ? `scenario "${raw.name}"` : undefined;
  const at = (detail: string) => (where: string) => {
    const parts = [label ?? (where || 'scenario'), detail].filter((p) => p !== '');
    return parts.join(', ') + ': ';
  };
  const header = ScenarioHeader.safeParse(raw);
  if (!header.success) {
    for (const p of describeIssues(header.error.issues, raw)) report(at(p.field), p.message);
    return undefined;
  }
  const h = header.data;
  const tokens: ScenarioToken[] = Object.entries(h.tokens ?? {}).map(([name, def]) => {
    const specText = typeof def === 'string' ? def : def.spec;
    return {
      name,
      specText,
      spec: parseVirtualSpec(specText),
      plugged: typeof def === 'string' ? true : (def.plugged ?? true),
    };
  });
  const clients: ScenarioClient[] = (h.clients ?? [DEFAULT_CLIENT]).map((c) =>
    typeof c === 'string'
      ? { name: c }
      : { name: c.name, ...(c.origin ? { origin: c.origin } : {}) },
  );
  const tokenNames = new Set(tokens.map((t) => t.name));
  const clientNames = new Set<string>();
  for (const c of clients) {
    if (clientNames.has(c.name)) report(at('clients'), `client "${c.name}" is listed twice`);
    clientNames.add(c.name);
  }
  const bySerial = new Map<number, string>();
  for (const t of tokens) {
    const other = bySerial.get(t.spec.serial);
    // One bus cannot hold two tokens with one id, and the daemon tells tokens apart by serial.
    if (other !== undefined) {
      report(at(`tokens.${t.name}`), `same serial ${t.spec.serial} as token "${other}"`);
    }
    bySerial.set(t.spec.serial, t.name);
  }
  h.registry?.forEach((entry, i) => {
    const token = typeof entry === 'string' ? entry : 'token' in entry ? entry.token : undefined;
    if (token === undefined) return;
    const found = tokens.find((t) => t.name === token);
    if (!found) report(at(`registry.${i}`), unknownName('token', token, tokenNames));
    else if (found.spec.slot1 === null) {
      report(at(`registry.${i}`), `token "${token}" has nothing programmed in slot 1 to import`);
    }
  });

  const defined = new Set(Object.keys(h.variables ?? {}));
  const steps: Step[] = [];
  h.steps.forEach((rawStep, i) => {
    const step = parseStep(rawStep, (detail, message) =>
      report(at(`step ${i + 1}${detail}`), message),
    );
    if (!step) return;
    checkNames(step, tokenNames, clientNames, defined, (message) =>
      report(at(`step ${i + 1} (${step.kind})`), message),
    );
    steps.push(step);
  });
  const variables: Record<string, ScopeValue> = { ...(h.variables ?? {}) };
  return {
    name: h.name,
    ...(h.description !== undefined ? { description: h.description } : {}),
    tokens,
    registry: h.registry ?? [],
    clients,
    variables,
    steps,
  };
}

/** `{ KIND: value }` plus an optional `name`; exactly one kind. */
function parseStep(
  raw: unknown,
  report: (detail: string, message: string) => void,
): Step | undefined {
  if (!isRecord(raw)) {
    report(
      '',
      `expected an object such as { press: my-token }, got ${raw === null ? 'null' : typeof raw}`,
    );
    return undefined;
  }
  const keys = Object.keys(raw).filter((k) => k !== 'name');
  const kinds = keys.filter((k): k is StepKind => (STEP_KINDS as string[]).includes(k));
  const unknown = keys.filter((k) => !(STEP_KINDS as string[]).includes(k));
  if (unknown.length > 0 || kinds.length !== 1) {
    const what =
      unknown.length > 0
        ? `unknown step "${unknown[0]}"`
        : kinds.length === 0
          ? 'no step kind'
          : `more than one step kind (${kinds.join(', ')})`;
    report('', `${what}; expected exactly one of ${STEP_KINDS.join(', ')}`);
    return undefined;
  }
  const kind = kinds[0]!;
  if (raw.name !== undefined && typeof raw.name !== 'string') {
    report(` (${kind})`, 'name: expected a string');
    return undefined;
  }
  const parsed = STEP_SCHEMAS[kind].safeParse(raw[kind]);
  if (!parsed.success) {
    for (const p of describeIssues(parsed.error.issues, raw[kind]))
      report(` (${kind})`, p.field ? `${p.field}: ${p.message}` : p.message);
    return undefined;
  }
  return {
    kind,
    value: parsed.data,
    ...(typeof raw.name === 'string' ? { label: raw.name } : {}),
  } as Step;
}

/** Tokens, clients, `${otp:TOKEN}` and `${var}` references must exist (variables: saved earlier). */
function checkNames(
  step: Step,
  tokens: ReadonlySet<string>,
  clients: ReadonlySet<string>,
  defined: Set<string>,
  report: (message: string) => void,
): void {
  const value = step.value as unknown;
  const token = tokenOf(step);
  if (token !== undefined && !tokens.has(token)) report(unknownName('token', token, tokens));
  if (isRecord(value)) {
    if (typeof value.client === 'string' && !clients.has(value.client))
      report(unknownName('client', value.client, clients));
    for (const field of ['params', 'match'] as const) {
      for (const ref of findReferences(value[field])) {
        if ('invalid' in ref)
          report(
            `${field}: ${ref.invalid} is not a reference; use \${name} or \${otp:TOKEN} ($\${ for a literal)`,
          );
        else if (ref.kind === 'otp' && !tokens.has(ref.token))
          report(`${field}: \${otp:${ref.token}}: ${unknownName('token', ref.token, tokens)}`);
        else if (ref.kind === 'var' && !defined.has(ref.name))
          report(
            `${field}: \${${ref.name}} is used before any step saves it (or variables: sets it)`,
          );
      }
    }
    if (isRecord(value.save)) for (const name of Object.keys(value.save)) defined.add(name);
  }
}

function tokenOf(step: Step): string | undefined {
  switch (step.kind) {
    case 'plug':
    case 'unplug':
    case 'clear-faults':
      return step.value;
    case 'press':
    case 'fault':
      return step.value.token;
    default:
      return undefined;
  }
}

function unknownName(what: string, name: string, known: ReadonlySet<string>): string {
  const list = [...known];
  return `unknown ${what} "${name}" (${list.length > 0 ? `known: ${list.join(', ')}` : `the scenario declares no ${what}s`})`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
