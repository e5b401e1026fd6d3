import { MemoryGuardSteps, UnknownUserLockout } from '../../../src/flows';
import { lockoutPolicy } from '../../../src/tokens';

const policy = lockoutPolicy({ maxFailures: 2, baseLockMs: 1000, growth: 2, maxLockMs: 10_000 });

describe('UnknownUserLockout answers as a token under the same policy would', () => {
  test('failures count down, lock, and each further lock in a row is longer', async () => {
    const lockout = new UnknownUserLockout(policy);
    expect(await lockout.fail('eve', 0)).toEqual({
      result: 'rejected',
      attemptsLeft: 1,
      counted: true,
    });
    expect(await lockout.fail('eve', 0)).toEqual({
      result: 'locked',
      retryAfterMs: 1000,
      counted: true,
    });
    expect(await lockout.fail('eve', 400)).toEqual({
      result: 'locked',
      retryAfterMs: 600,
      counted: false,
    });
    expect(await lockout.fail('eve', 1000)).toMatchObject({ result: 'rejected', attemptsLeft: 1 });
    expect(await lockout.fail('eve', 1000)).toEqual({
      result: 'locked',
      retryAfterMs: 2000,
      counted: true,
    });
  });

  test('names are counted apart, and the oldest is forgotten past the capacity', async () => {
    const steps = new MemoryGuardSteps(undefined, 2);
    const lockout = new UnknownUserLockout(policy, steps);
    await lockout.fail('a', 0);
    await lockout.fail('b', 0);
    await lockout.fail('c', 0);
    expect(steps.size('unknown-user')).toBe(2);
    expect(await lockout.fail('a', 0)).toMatchObject({ result: 'rejected', attemptsLeft: 1 });
    expect(await lockout.fail('c', 0)).toMatchObject({ result: 'locked' });
  });

  test('two lockouts on one set of steps count one name together, each failure once', async () => {
    const steps = new MemoryGuardSteps();
    const [one, two] = [
      new UnknownUserLockout(policy, steps),
      new UnknownUserLockout(policy, steps),
    ];
    const answers = await Promise.all([one.fail('eve', 0), two.fail('eve', 0)]);
    expect(answers.map((a) => a.result).sort()).toEqual(['locked', 'rejected']);
    expect(await two.fail('eve', 10)).toEqual({
      result: 'locked',
      retryAfterMs: 990,
      counted: false,
    });
  });

  test('a counted failure brings its audit row; a failure while locked brings none', async () => {
    const rows: string[] = [];
    const steps = new MemoryGuardSteps(async (entry) => {
      rows.push(`${entry.user} ${entry.event}`);
    });
    const lockout = new UnknownUserLockout(policy, steps);
    const row = { event: 'failed', serial: null, user: 'eve', source: 't', detail: {} } as const;
    for (const at of [0, 0, 10]) await lockout.fail('eve', at, row);
    expect(rows).toEqual(['eve failed', 'eve failed']);
    // Nowhere to append it: refused before anything is counted.
    const nowhere = new UnknownUserLockout(policy, new MemoryGuardSteps());
    await expect(nowhere.fail('eve', 0, row)).rejects.toThrow(/somewhere to append/);
    expect(await nowhere.fail('eve', 0)).toMatchObject({ attemptsLeft: 1 });
  });
});
