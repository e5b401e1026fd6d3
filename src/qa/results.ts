import type { StepKind } from './scenario-schema';

export type StepStatus = 'passed' | 'failed' | 'skipped';

/** One step as run: numbered from 1, described without secrets (OTPs redacted). */
export interface StepResult {
  readonly index: number;
  readonly kind: StepKind;
  readonly description: string;
  readonly status: StepStatus;
  /** Why it failed. */
  readonly message?: string;
  readonly durationMs: number;
}

/**
 * `failed`: a step did not hold; `error`: the scenario could not run (daemon, tokens or clients did
 * not come up), so nothing was checked.
 */
export type ScenarioStatus = 'passed' | 'failed' | 'error';

export interface ScenarioResult {
  readonly name: string;
  readonly status: ScenarioStatus;
  readonly steps: readonly StepResult[];
  /** The setup problem of an `error` scenario. */
  readonly error?: string;
  readonly durationMs: number;
}

export interface FileResult {
  readonly path: string;
  readonly scenarios: readonly ScenarioResult[];
  readonly durationMs: number;
}

export interface RunTotals {
  readonly scenarios: number;
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
  readonly steps: number;
}

export function totalsOf(files: readonly FileResult[]): RunTotals {
  const all = files.flatMap((f) => f.scenarios);
  return {
    scenarios: all.length,
    passed: all.filter((s) => s.status === 'passed').length,
    failed: all.filter((s) => s.status === 'failed').length,
    errors: all.filter((s) => s.status === 'error').length,
    steps: all.reduce((n, s) => n + s.steps.filter((st) => st.status !== 'skipped').length, 0),
  };
}

/** The first failed step of a scenario, if any. */
export function firstFailure(scenario: ScenarioResult): StepResult | undefined {
  return scenario.steps.find((s) => s.status === 'failed');
}
