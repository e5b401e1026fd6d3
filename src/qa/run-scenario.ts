import type { VirtualToken } from '../../drivers/virtual';
import { describeStep } from './describe-step';
import { DeviceWatch } from './device-watch';
import { QaClient } from './qa-client';
import { OtpRedactor } from './redactor';
import { registryItems } from './registry';
import type { ScenarioResult, StepResult } from './results';
import { runStep, type ScenarioState } from './run-step';
import type { Scenario } from './scenario';
import type { AttachedToken, QaTarget } from './target';

/** The runner's own connection: it watches devices come and go, apart from the scenario's clients. */
const RUNNER_CLIENT = 'qa-runner';

export interface ScenarioObserver {
  stepFinished?(result: StepResult): void;
}

/**
 * Runs one scenario: registry, the runner's watch client, tokens attached (and reported by the
 * daemon), the scenario's clients, then the steps in order until one fails (the rest are skipped).
 * Everything is taken down again whatever happened.
 */
export async function runScenario(
  scenario: Scenario,
  target: QaTarget,
  observer: ScenarioObserver = {},
): Promise<ScenarioResult> {
  const started = Date.now();
  const redactor = new OtpRedactor();
  const attached: AttachedToken[] = [];
  const clients = new Map<string, QaClient>();
  let watch: DeviceWatch | undefined;
  let runner: QaClient | undefined;
  const teardown = async () => {
    await Promise.allSettled([...clients.values()].map((c) => c.close()));
    await Promise.allSettled(attached.map((a) => a.detach()));
    if (watch && attached.length > 0) {
      await watch
        .waitFor(
          attached.map((a) => a.token),
          false,
        )
        .catch(() => undefined);
    }
    watch?.close();
    await runner?.close();
  };

  let state: ScenarioState;
  try {
    await target.importRegistry(registryItems(scenario));
    runner = await QaClient.connect(RUNNER_CLIENT, target.wsUrl, target.origin, {
      queueEvents: false,
    });
    watch = new DeviceWatch(runner);
    const tokens = new Map<string, VirtualToken>();
    for (const t of scenario.tokens) {
      const token = target.createToken(t.spec);
      if (!t.plugged) token.unplug();
      tokens.set(t.name, token);
      attached.push(await target.attach(token));
    }
    await watch.waitFor(
      scenario.tokens.filter((t) => t.plugged).map((t) => tokens.get(t.name)!),
      true,
    );
    for (const c of scenario.clients) {
      clients.set(c.name, await QaClient.connect(c.name, target.wsUrl, c.origin ?? target.origin));
    }
    state = {
      target,
      tokens,
      clients,
      defaultClient: scenario.clients[0]!.name,
      variables: new Map(Object.entries(scenario.variables)),
      otps: new Map(),
      redactor,
      lastSendClient: undefined,
    };
  } catch (err) {
    await teardown();
    return {
      name: scenario.name,
      status: 'error',
      steps: [],
      error: redactor.text(messageOf(err)),
      durationMs: Date.now() - started,
    };
  }

  const steps: StepResult[] = [];
  let failed = false;
  for (const [i, step] of scenario.steps.entries()) {
    const description = describeStep(step, redactor);
    if (failed) {
      const skipped: StepResult = {
        index: i + 1,
        kind: step.kind,
        description,
        status: 'skipped',
        durationMs: 0,
      };
      steps.push(skipped);
      observer.stepFinished?.(skipped);
      continue;
    }
    const stepStarted = Date.now();
    let message: string | undefined;
    try {
      await runStep(step, state);
    } catch (err) {
      message = redactor.text(messageOf(err));
      failed = true;
    }
    const result: StepResult = {
      index: i + 1,
      kind: step.kind,
      description,
      status: message === undefined ? 'passed' : 'failed',
      ...(message !== undefined ? { message } : {}),
      durationMs: Date.now() - stepStarted,
    };
    steps.push(result);
    observer.stepFinished?.(result);
  }
  await teardown();
  return {
    name: scenario.name,
    status: failed ? 'failed' : 'passed',
    steps,
    durationMs: Date.now() - started,
  };
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
