import type { FileResult, ScenarioResult, StepResult } from './results';
import { runScenario } from './run-scenario';
import type { Scenario, ScenarioFile } from './scenario';
import type { QaTarget } from './target';

/** Progress callbacks, for a report printed as the run goes. */
export interface RunObserver {
  fileStarted?(file: ScenarioFile, target: string): void;
  scenarioStarted?(scenario: Scenario): void;
  stepFinished?(result: StepResult): void;
  scenarioFinished?(result: ScenarioResult): void;
  fileFinished?(result: FileResult): void;
}

/**
 * Runs each file's scenarios in order on a target made for that file (an in-process daemon per
 * file, or the one running daemon), and closes the target after the file.
 */
export async function runScenarioFiles(
  files: readonly ScenarioFile[],
  makeTarget: () => Promise<QaTarget>,
  observer: RunObserver = {},
): Promise<FileResult[]> {
  const results: FileResult[] = [];
  for (const file of files) {
    const started = Date.now();
    const scenarios: ScenarioResult[] = [];
    let target: QaTarget | undefined;
    let setupError: string | undefined;
    try {
      target = await makeTarget();
    } catch (err) {
      setupError = `the daemon did not start: ${err instanceof Error ? err.message : String(err)}`;
    }
    observer.fileStarted?.(file, target?.description ?? 'no daemon');
    for (const scenario of file.scenarios) {
      observer.scenarioStarted?.(scenario);
      const result: ScenarioResult = target
        ? await runScenario(scenario, target, observer)
        : { name: scenario.name, status: 'error', steps: [], error: setupError!, durationMs: 0 };
      scenarios.push(result);
      observer.scenarioFinished?.(result);
    }
    await target?.close();
    const result = { path: file.path, scenarios, durationMs: Date.now() - started };
    results.push(result);
    observer.fileFinished?.(result);
  }
  return results;
}
