import {
  FRESH_TRY_LEASE_MS,
  GuessBudget,
  LookupBudget,
  MemoryGuardSteps,
} from '../../../src/flows';

const POLICY = { maxFailures: 3, baseLockMs: 1000, growth: 2, maxLockMs: 5000 };

describe('GuessBudget', () => {
  test('a connection is fresh until it fails; after perConnection failures it waits the lock lengths', () => {
    const b = new GuessBudget(POLICY, 2);
    expect(b.gate('c', 0)).toEqual({ try: true, fresh: true });
    b.tried('c', false, 0);
    expect(b.gate('c', 0)).toEqual({ try: true, fresh: false });
    b.tried('c', false, 10);
    expect(b.gate('c', 10)).toEqual({ try: false, retryAfterMs: 1000 });
    expect(b.gate('c', 1010)).toEqual({ try: true, fresh: false });
    b.tried('c', false, 1010);
    b.tried('c', false, 1020);
    expect(b.gate('c', 1020)).toEqual({ try: false, retryAfterMs: 2000 }); // the next length
    b.tried('c', true, 4000); // a success restores it
    expect(b.gate('c', 4000)).toEqual({ try: true, fresh: true });
    expect(b.gate('other', 0)).toEqual({ try: true, fresh: true });
  });

  test('a dropped connection is forgotten', () => {
    const b = new GuessBudget(POLICY, 1);
    b.tried('c', false, 0);
    b.drop('c');
    expect(b.gate('c', 0)).toEqual({ try: true, fresh: true });
    expect(b.connectionCount).toBe(0);
  });

  test.each<[string, (boolean | undefined)[], number[], boolean]>([
    ['a failed try closes the slot for the first lock length', [false], [999], false],
    ['and it opens again after it', [false], [1000], true],
    ['a second failure waits longer', [false, false], [1000, 2999], false],
    ['a success reopens at once', [true], [0], true],
    ['a try that never ran gives the slot back', [undefined], [0], true],
  ])('fresh slot: %s', async (_name, outcomes, times, openAfter) => {
    const b = new GuessBudget(POLICY, 3);
    for (const [i, outcome] of outcomes.entries()) {
      const now = i === 0 ? 0 : times[i - 1]!;
      const report = await b.takeFreshSlot('alice', now);
      expect(report).toBeDefined();
      // Taken: a second fresh connection racing this one gets nothing.
      expect(await b.takeFreshSlot('alice', now)).toBeUndefined();
      await report!(outcome);
    }
    expect((await b.takeFreshSlot('alice', times[times.length - 1]!)) !== undefined).toBe(
      openAfter,
    );
  });

  test('a taken slot whose report never comes opens again when its lease runs out', async () => {
    const b = new GuessBudget(POLICY, 3);
    const lost = await b.takeFreshSlot('alice', 0);
    expect(lost).toBeDefined();
    expect(await b.takeFreshSlot('alice', FRESH_TRY_LEASE_MS - 1)).toBeUndefined();
    const next = await b.takeFreshSlot('alice', FRESH_TRY_LEASE_MS);
    expect(next).toBeDefined();
    // The lost try's late report changes nothing: the slot is the new try's.
    await lost!(true);
    expect(await b.takeFreshSlot('alice', FRESH_TRY_LEASE_MS)).toBeUndefined();
    await next!(false);
    expect(await b.takeFreshSlot('alice', FRESH_TRY_LEASE_MS + 999)).toBeUndefined();
    expect(await b.takeFreshSlot('alice', FRESH_TRY_LEASE_MS + 1000)).toBeDefined();
  });

  test("two budgets on one set of steps (two daemons on one registry) share each user's slot", async () => {
    const steps = new MemoryGuardSteps();
    const [a, b] = [new GuessBudget(POLICY, 3, steps), new GuessBudget(POLICY, 3, steps)];
    const report = await a.takeFreshSlot('alice', 0);
    expect(await b.takeFreshSlot('alice', 0)).toBeUndefined();
    await report!(false);
    expect(await b.takeFreshSlot('alice', 999)).toBeUndefined();
    expect(await b.takeFreshSlot('alice', 1000)).toBeDefined();
  });

  test('slots are kept for a bounded number of users', async () => {
    const steps = new MemoryGuardSteps(undefined, 2);
    const b = new GuessBudget(POLICY, 3, steps);
    for (const user of ['a', 'b', 'c']) await (await b.takeFreshSlot(user, 0))!(false);
    expect(steps.size('fresh-try')).toBe(2);
    expect(await b.takeFreshSlot('a', 0)).toBeDefined(); // forgotten first
  });
});

describe('LookupBudget', () => {
  test('per connection, then refused for it while others go on', () => {
    const b = new LookupBudget(2, 100, 0);
    b.spend('c', 0);
    b.spend('c', 0);
    expect(b.gate('c', 0)).toEqual({ ok: false, retryAfterMs: 36_000 });
    expect(b.gate('d', 0)).toEqual({ ok: true });
    b.drop('c');
    expect(b.gate('c', 0)).toEqual({ ok: true });
  });

  test('daemon-wide: refilled evenly over the hour', () => {
    const b = new LookupBudget(10, 2, 0);
    b.spend('c', 0);
    b.spend('d', 0);
    expect(b.gate('e', 0)).toEqual({ ok: false, retryAfterMs: 1_800_000 });
    expect(b.gate('e', 900_000)).toEqual({ ok: false, retryAfterMs: 900_000 });
    expect(b.gate('e', 1_800_000)).toEqual({ ok: true });
  });
});
