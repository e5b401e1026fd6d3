import {
  QaClock,
  scenarioLine,
  stepLine,
  summaryLine,
  type FileResult,
  type StepResult,
} from '../../../src/qa';
import { ManualClock } from '../../helpers/manual-clock';

const step = (over: Partial<StepResult>): StepResult => ({
  index: 3,
  kind: 'press',
  description: 'press key',
  status: 'passed',
  durationMs: 12,
  ...over,
});

describe('report lines', () => {
  test.each<[string, StepResult, string]>([
    ['a passed step with its time', step({}), '    ok    3 press key (12 ms)'],
    ['a skipped step', step({ status: 'skipped' }), '    skip  3 press key'],
    [
      'a failed step with its reason on the next line',
      step({ index: 12, status: 'failed', message: 'slot 1 of key is not programmed' }),
      '    FAIL 12 press key\n         -> slot 1 of key is not programmed',
    ],
  ])('%s', (_what, result, line) => {
    expect(stepLine(result)).toBe(line);
  });

  test('scenario verdicts name the failing step or the setup problem', () => {
    const steps = [
      step({ index: 1 }),
      step({ index: 2, kind: 'send', status: 'failed', message: 'x' }),
    ];
    expect(scenarioLine({ name: 's', status: 'passed', steps: [steps[0]!], durationMs: 5 })).toBe(
      '  PASSED s (1 step, 5 ms)',
    );
    expect(scenarioLine({ name: 's', status: 'failed', steps, durationMs: 5 })).toBe(
      '  FAILED s at step 2 (send)',
    );
    expect(
      scenarioLine({ name: 's', status: 'error', steps: [], error: 'no daemon', durationMs: 0 }),
    ).toBe('  ERROR  s: no daemon');
  });

  test('the summary counts scenarios, files and steps run (not skipped)', () => {
    const files: FileResult[] = [
      {
        path: 'a.yaml',
        durationMs: 1000,
        scenarios: [
          { name: 'a', status: 'passed', steps: [step({}), step({})], durationMs: 1 },
          {
            name: 'b',
            status: 'failed',
            steps: [step({ status: 'failed' }), step({ status: 'skipped' })],
            durationMs: 1,
          },
        ],
      },
      {
        path: 'b.yaml',
        durationMs: 500,
        scenarios: [{ name: 'c', status: 'error', steps: [], durationMs: 0 }],
      },
    ];
    expect(summaryLine(files, 1500)).toBe(
      '3 scenarios in 2 files: 1 passed, 1 failed, 1 could not run; 3 steps in 1.5 s: FAILED',
    );
    expect(
      summaryLine(
        [files[0]!].map((f) => ({ ...f, scenarios: [f.scenarios[0]!] })),
        100,
      ),
    ).toBe(
      '1 scenario in 1 file: 1 passed, 0 failed, 0 could not run; 2 steps in 0.1 s: all passed',
    );
  });
});

describe('QaClock', () => {
  test('set-clock moves an offset over the base clock, which keeps running', () => {
    const base = new ManualClock(1_000);
    const clock = new QaClock(base);
    expect(clock.now()).toBe(1_000);
    clock.apply({ advance: 120_000 });
    expect(clock.now()).toBe(121_000);
    base.jump(5);
    expect(clock.now()).toBe(121_005);
    clock.apply({ at: 1_111_111_109_000 });
    expect(clock.now()).toBe(1_111_111_109_000);
    base.jump(10);
    expect(clock.now()).toBe(1_111_111_109_010);
    clock.apply({ advance: -10 });
    expect(clock.now()).toBe(1_111_111_109_000);
  });

  test('timers run on the base clock: moving the offset neither fires nor delays them', async () => {
    const base = new ManualClock(1_000);
    const clock = new QaClock(base);
    let fired = 0;
    clock.setTimeout(() => (fired += 1), 100);
    clock.apply({ advance: 60_000 });
    await base.advance(99);
    expect(fired).toBe(0);
    await base.advance(1);
    expect(fired).toBe(1);
  });
});
