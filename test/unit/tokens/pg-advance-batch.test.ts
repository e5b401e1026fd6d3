import { ErrorCode, StoreError } from '../../../src/core';
import {
  AdvanceBatcher,
  type AdvanceBatcherOptions,
} from '../../../src/tokens/postgres/pg-advance-batch';
import type { StateAdvance } from '../../../src/tokens/store';

/**
 * The group commit's scheduling, against a server stand-in that holds each statement until the
 * test lets it go (the statements themselves run against PostgreSQL in test/fleet/fleet-batch).
 */
const state = { counter: 0, lastStep: null, drift: 0, yubicoUsage: null, yubicoSession: null };
const advance = (serial: string, counter = 0): StateAdvance => ({
  serial,
  expected: { ...state, counter },
  next: { ...state, counter: counter + 1 },
  at: 1,
  audit: { event: 'verified', serial, user: null, source: 'test', detail: {} },
});

interface Sent {
  readonly serials: string[];
  release(outcome?: { fail?: unknown; lost?: readonly string[] }): void;
}

/** A server that answers when told to: each statement waits for its release(). */
function rig(options: Partial<AdvanceBatcherOptions> = {}) {
  const sent: Sent[] = [];
  const refused: number[] = [];
  const statement = (serials: string[]) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      sent.push({
        serials,
        release: (outcome = {}) => {
          if (outcome.fail !== undefined) return reject(outcome.fail);
          const lost = new Set(outcome.lost ?? []);
          resolve(new Map(serials.filter((s) => !lost.has(s)).map((s, i) => [s, 100 + i])));
        },
      });
    });
  const batcher = new AdvanceBatcher({
    sendOne: async (u) => (await statement([u.serial])).get(u.serial) ?? null,
    sendMany: (us) => statement(us.map((u) => u.serial)),
    onRefused: (_err, size) => refused.push(size),
    ...options,
  });
  return { batcher, sent, refused };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('a lone advance goes to the server at once, alone', async () => {
  const { batcher, sent } = rig({ inFlight: 4 });
  const outcome = batcher.submit(advance('A'));
  expect(sent.map((s) => s.serials)).toEqual([['A']]);
  sent[0]!.release();
  await expect(outcome).resolves.toBe(100);
  expect(batcher.stats).toEqual({ statements: 1, advances: 1, refused: 0 });
});

test.each([
  { inFlight: 1, maxBatch: 64, submitted: 'ABCDE', first: ['A'], then: ['BCDE'] },
  { inFlight: 2, maxBatch: 64, submitted: 'ABCDE', first: ['A', 'B'], then: ['CDE'] },
  { inFlight: 4, maxBatch: 64, submitted: 'ABCD', first: ['A', 'B', 'C', 'D'], then: [] },
  { inFlight: 1, maxBatch: 2, submitted: 'ABCDE', first: ['A'], then: ['BC'] },
])(
  'inFlight $inFlight, maxBatch $maxBatch: what waits behind goes together ($submitted)',
  async ({ inFlight, maxBatch, submitted, first, then }) => {
    const { batcher, sent } = rig({ inFlight, maxBatch });
    const outcomes = [...submitted].map((s) => batcher.submit(advance(s)));
    expect(sent.map((s) => s.serials.join(''))).toEqual(first);
    sent[0]!.release();
    await settle();
    expect(sent.slice(first.length).map((s) => s.serials.join(''))).toEqual(then);
    // Let every statement answer (a promise settles once, so releasing one twice is harmless).
    for (let round = 0; round < submitted.length; round++) {
      for (const s of sent) s.release();
      await settle();
    }
    const revisions = await Promise.all(outcomes);
    expect(revisions.every((r) => typeof r === 'number')).toBe(true);
    expect(batcher.stats.advances).toBe(submitted.length);
  },
);

test('two advances of one token never share a statement, and keep their order', async () => {
  const { batcher, sent } = rig({ inFlight: 1 });
  void batcher.submit(advance('X'));
  void batcher.submit(advance('A', 0));
  void batcher.submit(advance('B'));
  void batcher.submit(advance('A', 1));
  void batcher.submit(advance('C'));
  sent[0]!.release();
  await settle();
  expect(sent[1]!.serials).toEqual(['A', 'B', 'C']);
  sent[1]!.release();
  await settle();
  expect(sent[2]!.serials).toEqual(['A']);
});

test('a member whose compare-and-set found the row moved gets null; the others their revision', async () => {
  const { batcher, sent } = rig({ inFlight: 1 });
  const first = batcher.submit(advance('X'));
  const rest = ['A', 'B', 'C'].map((s) => batcher.submit(advance(s)));
  sent[0]!.release();
  await first;
  await settle();
  sent[1]!.release({ lost: ['B'] });
  const [a, b, c] = await Promise.all(rest);
  expect([typeof a, b, typeof c]).toEqual(['number', null, 'number']);
});

test('a batch refused as a whole is sent again one by one: only the bad member fails', async () => {
  const { batcher, sent, refused } = rig({ inFlight: 1 });
  const first = batcher.submit(advance('X'));
  const rest = ['A', 'B', 'C'].map((s) => batcher.submit(advance(s)));
  sent[0]!.release();
  await first;
  await settle();
  const violation = new StoreError(ErrorCode.STORE_IO, 'violates check constraint');
  sent[1]!.release({ fail: violation });
  await settle();
  expect(sent.slice(2).map((s) => s.serials)).toEqual([['A'], ['B'], ['C']]);
  sent[2]!.release();
  sent[3]!.release({ fail: violation });
  sent[4]!.release();
  const results = await Promise.allSettled(rest);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(refused).toEqual([3]);
  expect(batcher.stats).toEqual({ statements: 2, advances: 4, refused: 1 });
});

test('a batch whose reply was lost fails every member with "try again", and is not resent', async () => {
  const { batcher, sent, refused } = rig({ inFlight: 1 });
  const first = batcher.submit(advance('X'));
  const rest = ['A', 'B'].map((s) => batcher.submit(advance(s)));
  sent[0]!.release();
  await first;
  await settle();
  sent[1]!.release({
    fail: new StoreError(ErrorCode.STORE_UNAVAILABLE, 'Connection terminated; try again'),
  });
  const results = await Promise.allSettled(rest);
  expect(results.map((r) => (r.status === 'rejected' ? (r.reason as StoreError).code : r))).toEqual(
    [ErrorCode.STORE_UNAVAILABLE, ErrorCode.STORE_UNAVAILABLE],
  );
  expect(sent).toHaveLength(2);
  expect(refused).toEqual([]);
});
