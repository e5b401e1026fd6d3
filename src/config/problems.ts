import type { z } from 'zod';
import { ErrorCode, TokenBridgeError } from '../core';
import { knownKeysAt } from './schema';

export type ProblemSource = 'file' | 'env' | 'flags' | 'config';

/** One thing wrong with the configuration, located in the layer that set it. */
export interface ConfigProblem {
  readonly source: ProblemSource;
  /** Where, as printed: `config.json: server.port`, `TOKENBRIDGE_PORT`, `--port`. */
  readonly where: string;
  /** The dotted configuration key, or '' for the whole file. */
  readonly path: string;
  /** What was expected and what was found. */
  readonly message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.where}: ${problem.message}`;
}

/**
 * The configuration does not validate. Carries every problem found in every layer, so a person
 * fixes them in one pass; the message lists them one per line, the first line being the first.
 */
export class ConfigError extends TokenBridgeError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(ErrorCode.CONFIG_INVALID, problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
}

export type PathSegment = string | number;

/** Turns zod issues into problems; `where` labels a key path for the layer being checked. */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  source: ProblemSource,
  where: (path: readonly PathSegment[]) => string,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(path);
      const hint = known ? ` (expected one of: ${known.join(', ')})` : '';
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        problems.push({
          source,
          where: where(keyPath),
          path: keyPath.join('.'),
          message: `unknown key${hint}`,
        });
      }
      continue;
    }
    problems.push({ source, where: where(path), path: path.join('.'), message: issue.message });
  }
  return dedupe(problems);
}

export function dedupe(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
