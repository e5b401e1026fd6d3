import { UnknownUserLockout } from '../../../src/flows';
import { lockoutPolicy } from '../../../src/tokens';

const policy = lockoutPolicy({ maxFailures: 2, baseLockMs: 1000, growth: 2, maxLockMs: 10_000 });

describe('UnknownUserLockout answers as a token under the same policy would', () => {
  test('failures count down, lock, and each further lock in a row is longer', () => {
    const lockout = new UnknownUserLockout(policy);
    expect(lockout.fail('eve', 0)).toEqual({ result: 'rejected', attemptsLeft: 1, counted: true });
    expect(lockout.fail('eve', 0)).toEqual({ result: 'locked', retryAfterMs: 1000, counted: true });
    expect(lockout.fail('eve', 400)).toEqual({
      result: 'locked',
      retryAfterMs: 600,
      counted: false,
    });
    expect(lockout.fail('eve', 1000)).toMatchObject({ result: 'rejected', attemptsLeft: 1 });
    expect(lockout.fail('eve', 1000)).toEqual({
      result: 'locked',
      retryAfterMs: 2000,
      counted: true,
    });
  });

  test('names are counted apart, and the oldest is forgotten past the capacity', () => {
    const lockout = new UnknownUserLockout(policy, 2);
    lockout.fail('a', 0);
    lockout.fail('b', 0);
    lockout.fail('c', 0);
    expect(lockout.size).toBe(2);
    expect(lockout.fail('a', 0)).toMatchObject({ result: 'rejected', attemptsLeft: 1 });
    expect(lockout.fail('c', 0)).toMatchObject({ result: 'locked' });
  });
});
