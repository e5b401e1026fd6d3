import { sleep, systemClock } from '../../../src/core';
import { ManualClock } from '../../helpers/manual-clock';

/** Timers keeping the event loop alive (unref'd ones are not listed). */
const liveTimeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('systemClock', () => {
  test('a cleared timer never fires; one armed after it still does', async () => {
    const fired: string[] = [];
    const cleared = systemClock.setTimeout(() => fired.push('cleared'), 1);
    cleared.clear();
    cleared.clear();
    // Node fires timers in due order: had the first not been cleared, it would come first.
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5));
    expect(fired).toEqual([]);
  });

  test('timers do not keep the process alive unless asked to; sleep does', async () => {
    const before = liveTimeouts();
    const background = systemClock.setTimeout(() => undefined, 60_000);
    expect(liveTimeouts()).toBe(before);
    const awaited = systemClock.setTimeout(() => undefined, 60_000, { keepAlive: true });
    expect(liveTimeouts()).toBe(before + 1);
    background.clear();
    awaited.clear();
    const slept = sleep(systemClock, 1);
    expect(liveTimeouts()).toBe(before + 1);
    await slept;
  });
});

describe('ManualClock', () => {
  test('advance fires due timers in time order, ties in the order armed, and no later ones', async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push('late'), 31);
    await clock.advance(30);
    expect(fired).toEqual(['a@10', 'b@10', 'c@30']);
    expect(clock.now()).toBe(30);
    expect(clock.pendingTimers).toBe(1);
  });

  test('the continuations a timer starts run before the next timer fires', async () => {
    const clock = new ManualClock(0);
    const order: string[] = [];
    void sleep(clock, 10)
      .then(() => Promise.resolve())
      .then(() => order.push('after first sleep'));
    clock.setTimeout(() => order.push('second timer'), 20);
    await clock.advance(20);
    expect(order).toEqual(['after first sleep', 'second timer']);
  });

  test('timers armed while time passes fire within the same advance when due', async () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    const tick = () => {
      at.push(clock.now());
      clock.setTimeout(tick, 25);
    };
    clock.setTimeout(tick, 25);
    await clock.advance(100);
    expect(at).toEqual([25, 50, 75, 100]);
  });

  test('jump moves the time either way without running timers; overdue ones fire next', async () => {
    const clock = new ManualClock(1_000);
    let fired = 0;
    clock.setTimeout(() => (fired += 1), 50);
    clock.jump(500);
    expect(clock.now()).toBe(1_500);
    expect(fired).toBe(0);
    await clock.advance(0);
    expect(fired).toBe(1);
    clock.jump(-1_000);
    expect(clock.now()).toBe(500);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  });

  test('runUntil lets time pass timer by timer until the task settles, and no further', async () => {
    const clock = new ManualClock(0);
    let late = 0;
    clock.setTimeout(() => (late += 1), 10_000);
    const task = (async () => {
      for (let i = 0; i < 3; i++) await sleep(clock, 100);
      return clock.now();
    })();
    await expect(clock.runUntil(task)).resolves.toBe(300);
    expect(late).toBe(0);
    await expect(clock.runUntil(Promise.reject(new Error('no')))).rejects.toThrow('no');
    const never = new Promise<void>((resolve) => clock.setTimeout(resolve, 5_000));
    await expect(clock.runUntil(never, 1_000)).rejects.toThrow(/within 1000 ms of clock time/);
  });

  test('cleared timers never fire', async () => {
    const clock = new ManualClock(0);
    let fired = 0;
    const timer = clock.setTimeout(() => (fired += 1), 10);
    timer.clear();
    await clock.advance(100);
    expect(fired).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});
