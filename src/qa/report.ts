import { counted } from '../core';
import {
  firstFailure,
  totalsOf,
  type FileResult,
  type ScenarioResult,
  type StepResult,
} from './results';
import type { RunObserver } from './run-files';

const MARK = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' } as const;

/** One readable line per step (descriptions and messages come redacted from the runner). */
export function stepLine(result: StepResult): string {
  const head = `    ${MARK[result.status]} ${String(result.index).padStart(2)} ${result.description}`;
  if (result.status === 'failed') return `${head}\n         -> ${result.message ?? 'failed'}`;
  return result.status === 'passed' ? `${head} (${result.durationMs} ms)` : head;
}

export function scenarioLine(result: ScenarioResult): string {
  if (result.status === 'passed')
    return `  PASSED ${result.name} (${plural(result.steps.length, 'step')}, ${result.durationMs} ms)`;
  if (result.status === 'error')
    return `  ERROR  ${result.name}: ${result.error ?? 'could not run'}`;
  const step = firstFailure(result);
  return `  FAILED ${result.name} at step ${step?.index ?? '?'} (${step?.kind ?? '?'})`;
}

export function summaryLine(files: readonly FileResult[], durationMs: number): string {
  const t = totalsOf(files);
  const verdict = t.failed + t.errors === 0 ? 'all passed' : 'FAILED';
  return `${t.scenarios} scenario${t.scenarios === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}: ${t.passed} passed, ${t.failed} failed, ${t.errors} could not run; ${counted(t.steps, 'step')} in ${(durationMs / 1000).toFixed(1)} s: ${verdict}`;
}

/** Prints the run as it goes. */
export function textReporter(out: NodeJS.WritableStream): RunObserver {
  return {
    fileStarted: (file, target) => out.write(`${file.path} (${target})\n`),
    scenarioStarted: (scenario) => out.write(`  ${scenario.name}\n`),
    stepFinished: (result) => out.write(stepLine(result) + '\n'),
    scenarioFinished: (result) => out.write(scenarioLine(result) + '\n'),
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
