import { ErrorCode } from '../../src/core';
import { generateHotp } from '../../src/otp';
import type { PostgresTokenStore } from '../../src/tokens/postgres/pg-store';
import { TokenVerifier } from '../../src/tokens/verifier';
import type { StateAdvance } from '../../src/tokens/store';
import { verifierSettings } from '../helpers/config';
import { adminClient, createTestDatabase, type TestDatabase } from '../helpers/pg';
import { hotpToken, importTokens, RFC_SEED, tempDir } from '../unit/tokens/registry-fixtures';
import { openFleetStore } from './fleet-rig';

/**
 * A busy fleet node against a real PostgreSQL: its verifications share statements and commits
 * (pg-advance-batch.ts), each still decided on its own, and a sign-on by user name is served from
 * what the node remembers of the user's tokens (PgRowCache) when it can be.
 */
const POOL = 8;
const code = (counter: number) =>
  generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, counter);
const serials = (n: number) =>
  Array.from({ length: n }, (_, i) => `B${String(i).padStart(2, '0')}`);

let folder: { dir: string; cleanup: () => void };
let db: TestDatabase;
const stores: PostgresTokenStore[] = [];
beforeEach(async () => {
  folder = tempDir();
  db = await createTestDatabase();
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  await db.drop();
  folder.cleanup();
});

async function open(node: string): Promise<PostgresTokenStore> {
  const store = await openFleetStore(db.url, db.passwordFile, folder.dir, node, POOL);
  stores.push(store);
  return store;
}

async function auditOf(store: PostgresTokenStore, serial: string) {
  return (await store.audit({ serial, event: 'verified' })).map((e) => e.detail['matched']);
}

test("a busy node's verifications share commits, and each is accepted exactly once, in order", async () => {
  const store = await open('busy');
  const tokens = serials(16);
  await importTokens(
    store,
    tokens.map((s) => hotpToken(s)),
  );
  const verifier = new TokenVerifier({ store, ...verifierSettings() });
  const ROUNDS = 25;
  for (let round = 0; round < ROUNDS; round++) {
    const outcomes = await Promise.all(
      tokens.map((s) => verifier.verify(s, code(round), { source: 'test' })),
    );
    expect(outcomes.map((o) => o.status)).toEqual(tokens.map(() => 'accepted'));
  }
  const { statements, advances, refused } = store.verificationWrites;
  expect(advances).toBe(ROUNDS * tokens.length);
  // 16 at once with 4 in flight: most of each round waits and goes in one statement.
  expect(statements).toBeLessThan(advances / 2);
  expect(refused).toBe(0);
  for (const s of tokens) {
    expect((await store.get(s))!.counter).toBe(ROUNDS);
    const matched = await auditOf(store, s);
    expect([...matched].sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: ROUNDS }, (_, i) => i),
    );
  }
});

test('one passcode sent many times at once, to this node and another, is accepted once', async () => {
  const one = await open('one');
  const two = await open('two');
  await importTokens(one, [hotpToken('R1'), ...serials(6).map((s) => hotpToken(s))]);
  // Each round's seven replays count as failures: a policy that they do not lock.
  const settings = verifierSettings({ lockout: { maxFailures: 100 } });
  const v1 = new TokenVerifier({ store: one, ...settings });
  const v2 = new TokenVerifier({ store: two, ...settings });
  const ROUNDS = 30;
  for (let round = 0; round < ROUNDS; round++) {
    // Other tokens keep both nodes busy, so the duplicates meet queued batches.
    const busy = serials(6).flatMap((s) => [
      v1.verify(s, code(round), { source: 'one' }),
      v2.verify(s, code(round), { source: 'two' }),
    ]);
    const same = Array.from({ length: 4 }, () => [
      v1.verify('R1', code(round), { source: 'one' }),
      v2.verify('R1', code(round), { source: 'two' }),
    ]).flat();
    const outcomes = await Promise.all([...same, ...busy]);
    const accepted = (from: number, to: number) =>
      outcomes.slice(from, to).filter((o) => o.status === 'accepted').length;
    expect(accepted(0, same.length)).toBe(1);
    for (let t = 0; t < 6; t++) {
      expect(accepted(same.length + 2 * t, same.length + 2 * t + 2)).toBe(1);
    }
  }
  expect((await two.get('R1'))!.counter).toBe(ROUNDS);
  expect(await auditOf(one, 'R1')).toHaveLength(ROUNDS);
  expect(one.verificationWrites.statements).toBeLessThan(one.verificationWrites.advances);
});

test('a sign-on by user name at a node that signed the user on before reads no list of tokens', async () => {
  const store = await open('memory');
  await importTokens(store, [hotpToken('U1'), hotpToken('U2')]);
  await store.pair('U1', 'alice', { source: 'test' });
  const verifier = new TokenVerifier({ store, ...verifierSettings() });
  const signOn = async (counter: number | string) =>
    (
      await verifier.verifyForUser('alice', typeof counter === 'string' ? counter : code(counter), {
        source: 'test',
      })
    ).outcome;
  expect(await signOn(0)).toMatchObject({ status: 'accepted' });
  const reads = store.userListReadCount;
  for (let c = 1; c <= 5; c++) expect(await signOn(c)).toMatchObject({ status: 'accepted' });
  expect(store.userListReadCount).toBe(reads);
  // A wrong code is answered from the registry's list, and so is the next code after a failure.
  expect(await signOn('000000')).toMatchObject({ status: 'rejected', reason: 'wrong' });
  expect(store.userListReadCount).toBe(reads + 1);
  expect(await signOn(6)).toMatchObject({ status: 'accepted' });
  expect(store.userListReadCount).toBe(reads + 2);
  // So is a used code, which a remembered token recognises but would not accept.
  expect(await signOn(6)).toMatchObject({ status: 'rejected', reason: 'replayed' });
  expect(store.userListReadCount).toBe(reads + 3);
  // Pairing here forgets what this node knew of her tokens.
  await store.pair('U2', 'alice', { source: 'test' });
  expect(await signOn(7)).toMatchObject({ status: 'accepted' });
  expect(store.userListReadCount).toBe(reads + 4);
  expect((await store.get('U1'))!.counter).toBe(8);
});

test('a batch the server refuses as a whole is sent again one by one: only the bad member fails', async () => {
  const store = await open('refused');
  const tokens = serials(9);
  await importTokens(
    store,
    tokens.map((s) => hotpToken(s)),
  );
  const advances = await Promise.all(tokens.map((serial) => advanceFromZero(store, serial)));
  // The last one breaks the table's CHECK (counter >= 0): the server refuses its statement.
  advances[8] = { ...advances[8]!, next: { ...advances[8]!.next, counter: -1 } };
  // The first four go alone (4 in flight); the other five wait and go together, the bad one last.
  const results = await Promise.allSettled(advances.map((a) => store.advance(a)));
  expect(results.slice(0, 8).map((r) => (r.status === 'fulfilled' ? r.value : r.reason))).toEqual(
    Array.from({ length: 8 }, () => true),
  );
  expect(results[8]).toMatchObject({
    status: 'rejected',
    reason: { code: ErrorCode.STORE_IO, message: expect.stringMatching(/check constraint/) },
  });
  expect(store.verificationWrites.refused).toBe(1);
  for (const s of tokens.slice(0, 8)) {
    expect((await store.get(s))!.counter).toBe(1);
    expect(await auditOf(store, s)).toEqual([0]);
  }
  expect((await store.get(tokens[8]!))!.counter).toBe(0);
  expect(await auditOf(store, tokens[8]!)).toEqual([]);
});

test('two nodes batching the same tokens in opposite orders never deadlock each other', async () => {
  // Plans as on a registry of many tokens: each row found through the key's index, in the order
  // of the batch (a small table is read whole, in its own order, which would hide the question).
  const admin = await adminClient(db.name);
  try {
    for (const off of ['enable_seqscan', 'enable_hashjoin', 'enable_mergejoin']) {
      await admin.query(`ALTER DATABASE ${db.name} SET ${off} = off`);
    }
    const one = await open('one');
    const two = await open('two');
    const shared = serials(6);
    const own = (node: string) => [0, 1, 2, 3].map((i) => `${node}${i}`);
    await importTokens(
      one,
      [...shared, ...own('P'), ...own('Q')].map((s) => hotpToken(s)),
    );
    const plans = async (store: PostgresTokenStore, order: readonly string[]) =>
      Promise.all(order.map((serial) => advanceFromZero(store, serial)));
    const forOne = await plans(one, [...own('P'), ...shared]);
    const forTwo = await plans(two, [...own('Q'), ...[...shared].reverse()]);
    // A third session holds the middle token, so both batches stop there with rows of their own
    // locked: one from below, the other (in its submitted order) from above.
    await admin.query('BEGIN');
    await admin.query('SELECT 1 FROM tokens WHERE serial = $1 FOR UPDATE', [shared[3]]);
    const results = Promise.all([
      Promise.all(forOne.map((a) => one.advance(a))),
      Promise.all(forTwo.map((a) => two.advance(a))),
    ]);
    await waitFor(async () => (await lockWaiters(db.name)) >= 2);
    await admin.query('COMMIT');
    const [byOne, byTwo] = await results;
    const movedBy = new Map<string, number>();
    for (const [i, a] of forOne.entries()) if (byOne[i]) movedBy.set(a.serial, 1);
    for (const [i, a] of forTwo.entries()) {
      if (byTwo[i]) movedBy.set(a.serial, (movedBy.get(a.serial) ?? 0) + 1);
    }
    expect(shared.map((s) => movedBy.get(s))).toEqual(shared.map(() => 1));
    // A deadlock would have refused a batch as a whole, and the server would count it.
    expect([one.verificationWrites.refused, two.verificationWrites.refused]).toEqual([0, 0]);
    const { rows } = await admin.query(
      'SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = $1',
      [db.name],
    );
    expect(rows[0].n).toBe(0);
    for (const s of shared) expect((await one.get(s))!.counter).toBe(1);
  } finally {
    await admin.end();
  }
});

/** A compare-and-set from the token's stored state to the next counter, as a verification makes. */
async function advanceFromZero(store: PostgresTokenStore, serial: string): Promise<StateAdvance> {
  const loaded = (await store.load(serial, { fresh: true }))!;
  const { counter, lastStep, drift, yubicoUsage, yubicoSession } = loaded.record;
  const expected = { counter, lastStep, drift, yubicoUsage, yubicoSession };
  return {
    serial,
    expected,
    next: { ...expected, counter: counter + 1 },
    at: Date.now(),
    audit: { event: 'verified', serial, user: null, source: 'test', detail: { matched: counter } },
    revision: loaded.revision,
  };
}

/** Sessions of the database waiting for a lock. */
async function lockWaiters(database: string): Promise<number> {
  const admin = await adminClient(database);
  try {
    const { rows } = await admin.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
      [database],
    );
    return rows[0].n;
  } finally {
    await admin.end();
  }
}

async function waitFor(
  condition: () => Promise<boolean>,
  what = 'both batches to wait',
): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}
