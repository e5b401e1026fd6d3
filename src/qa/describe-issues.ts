import type { z } from 'zod';
import { readPath } from './match';

type Issue = z.core.$ZodIssue;

/** One problem in a scenario file: where (a dotted path) and what. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * zod issues as "field: message" lines a person can act on. A union reports the branch the input
 * was meant for (the one that got past the type check) instead of zod's bare "Invalid input".
 */
export function describeIssues(issues: readonly Issue[], input: unknown): FieldProblem[] {
  return issues.flatMap((issue) => describe(issue, [], input));
}

function describe(issue: Issue, base: readonly PropertyKey[], input: unknown): FieldProblem[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branches = issue.errors;
    // A branch that failed only at the root on type or value is one the input was not meant for.
    const meant = branches.filter(
      (b) =>
        !b.every(
          (i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'),
        ),
    );
    if (meant.length > 0) {
      const best = meant.reduce((a, b) => (b.length < a.length ? b : a));
      return best.flatMap((i) => describe(i, path, input));
    }
    const expected = branches.flatMap((b) => b.map(expectedOf));
    return [
      problem(
        path,
        `expected ${unique(expected).join(' or ')}, got ${typeName(readPath(input, join(path)))}`,
      ),
    ];
  }
  if (issue.code === 'invalid_union') {
    const options = (issue as { options?: unknown[] }).options;
    if (Array.isArray(options)) return [problem(path, `expected one of ${options.join(', ')}`)];
    return [problem(path, issue.message)];
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0];
    return [problem(path, `invalid key: ${inner ? inner.message : issue.message}`)];
  }
  if (issue.code === 'too_small') {
    const n = Number(issue.minimum);
    return [problem(path, `expected at least ${n}${unitOf(issue.origin, n)}`)];
  }
  if (issue.code === 'too_big') {
    const n = Number(issue.maximum);
    return [problem(path, `expected at most ${n}${unitOf(issue.origin, n)}`)];
  }
  if (issue.code === 'unrecognized_keys') {
    return [
      problem(
        path,
        `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
      ),
    ];
  }
  if (issue.code === 'invalid_type') {
    const actual = readPath(input, join(path));
    if (actual === undefined) return [problem(path, `required (${issue.expected})`)];
    return [problem(path, `expected ${issue.expected}, got ${typeName(actual)}`)];
  }
  if (issue.code === 'invalid_value') {
    return [problem(path, `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`)];
  }
  return [problem(path, issue.message)];
}

function expectedOf(issue: Issue): string {
  if (issue.code === 'invalid_type') return issue.expected;
  if (issue.code === 'invalid_value')
    return issue.values.map((v) => JSON.stringify(v)).join(' or ');
  return issue.message;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function problem(path: readonly PropertyKey[], message: string): FieldProblem {
  return { field: join(path), message };
}

function join(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function unitOf(origin: string, n: number): string {
  const unit = origin === 'array' ? ' item' : origin === 'string' ? ' character' : '';
  return unit === '' || n === 1 ? unit : `${unit}s`;
}
