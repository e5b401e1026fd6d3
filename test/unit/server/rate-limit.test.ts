import { TokenBucket } from '../../../src/server/rate-limit';

describe('TokenBucket', () => {
  test('allows the burst, refuses the next, refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(20, 40, () => now);
    const first = Array.from({ length: 41 }, () => bucket.take());
    expect(first.filter(Boolean)).toHaveLength(40);
    expect(first[40]).toBe(false);
    expect(bucket.refusedInARow).toBe(1);
    now += 100; // 100 ms at 20/s: two tokens
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });

  test('never holds more than the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(20, 3, () => now);
    now += 60_000;
    expect(Array.from({ length: 4 }, () => bucket.take())).toEqual([true, true, true, false]);
  });

  test('counts refusals in a row and resets on an accepted frame', () => {
    let now = 0;
    const bucket = new TokenBucket(1, 1, () => now);
    bucket.take();
    bucket.take();
    bucket.take();
    expect(bucket.refusedInARow).toBe(2);
    now += 1000;
    expect(bucket.take()).toBe(true);
    expect(bucket.refusedInARow).toBe(0);
  });
});
