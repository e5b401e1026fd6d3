import type { PostgresTokenStore } from '../../src/tokens/postgres/pg-store';
import { createTestDatabase, type TestDatabase } from '../helpers/pg';
import { printCounts } from '../helpers/reliability-scale';
import { hotpToken, importTokens, tempDir } from '../unit/tokens/registry-fixtures';
import {
  code,
  openFleetStore,
  signOnEverywhere,
  fleetSettings,
  startNodes,
  stopNode,
  type FleetNode,
} from './fleet-rig';

/**
 * Four daemon processes on one PostgreSQL registry, as a lobby of kiosks would run. The same
 * passcode goes to all four at once, a thousand times with fresh codes; then wrong-code storms from
 * every node at once. The registry, read afterwards, must agree with what the clients were told.
 */
const NODES = 4;
const ROUNDS = 1000;
const MAX_FAILURES = 5;
const STORMS = 5;
const RACER = 'racer@example.com';

let folder: { dir: string; cleanup: () => void };
let db: TestDatabase;
let store: PostgresTokenStore;
let nodes: FleetNode[] = [];

beforeAll(async () => {
  folder = tempDir();
  db = await createTestDatabase();
  // The first store creates the registry and its key; every node is given the same key file.
  store = await openFleetStore(db.url, db.passwordFile, folder.dir);
  await importTokens(store, [
    hotpToken('RACE1'),
    ...Array.from({ length: STORMS }, (_, i) => hotpToken(`STORM${i}`)),
  ]);
  await store.pair('RACE1', RACER, { source: 'test' });
  for (let i = 0; i < STORMS; i++)
    await store.pair(`STORM${i}`, `storm${i}@example.com`, { source: 'test' });
  nodes = await startNodes(NODES, 'kiosk', fleetSettings(db, folder.dir, MAX_FAILURES));
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.map(stopNode));
  await store?.close();
  await db?.drop();
  folder?.cleanup();
});

test('the same passcode sent to four daemons at once, 1,000 times: each accepted exactly once', async () => {
  const accepted = new Map<string, number>();
  const rejected = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let lastCounter = 0;
  const winnersPerRound = new Set<number>();
  for (let counter = 0; counter < ROUNDS; counter++) {
    const replies = await signOnEverywhere(nodes, RACER, code(counter));
    let wins = 0;
    for (const { node, reply, error } of replies) {
      if (error !== undefined || reply?.ok !== true)
        throw new Error(`${node}: ${error ?? JSON.stringify(reply)}`);
      if (reply.result === 'accepted') {
        wins++;
        bump(accepted, node);
      } else {
        expect(reply).toMatchObject({ result: 'rejected', reason: 'replayed' });
        bump(rejected, node);
      }
    }
    winnersPerRound.add(wins);
    expect(wins).toBe(1);
    if (counter % 100 === 99) {
      const now = (await store.get('RACE1'))!.counter;
      expect(now).toBeGreaterThanOrEqual(lastCounter); // never backwards
      lastCounter = now;
    }
  }
  expect([...winnersPerRound]).toEqual([1]);
  expect((await store.get('RACE1'))!.counter).toBe(ROUNDS);

  // The audit trail says the same, node by node: one 'verified' row per acceptance, one
  // 'failed' row per refusal, and the matched counters 0..999 each exactly once, in order.
  const audit = await store.audit({ serial: 'RACE1', limit: 10_000 });
  const verified = audit.filter((e) => e.event === 'verified');
  const failed = audit.filter((e) => e.event === 'failed');
  expect(verified.map((e) => e.detail.matched)).toEqual(
    Array.from({ length: ROUNDS }, (_, i) => i),
  );
  expect(failed).toHaveLength(ROUNDS * (NODES - 1));
  for (const node of nodes) {
    expect(verified.filter((e) => e.node === node.name)).toHaveLength(accepted.get(node.name) ?? 0);
    expect(failed.filter((e) => e.node === node.name)).toHaveLength(rejected.get(node.name) ?? 0);
  }
  expect(audit.some((e) => e.event === 'locked')).toBe(false);
  printCounts('fleet races', {
    nodes: NODES,
    rounds: ROUNDS,
    ...Object.fromEntries(nodes.map((n) => [`won:${n.name}`, accepted.get(n.name) ?? 0])),
    finalCounter: ROUNDS,
  });
}, 300_000);

test('wrong-code storms from four nodes at once lock the token at exactly the policy count', async () => {
  const counts: number[] = [];
  for (let s = 0; s < STORMS; s++) {
    const serial = `STORM${s}`;
    const user = `storm${s}@example.com`;
    // Three wrong codes from every node, all in flight together: twelve attempts on one token.
    const wrong = ['000000', '111111', '222222'];
    const replies = (await Promise.all(wrong.map((w) => signOnEverywhere(nodes, user, w)))).flat();
    for (const { reply } of replies) {
      expect(reply?.ok).toBe(true);
      expect(['rejected', 'locked']).toContain(reply!.result);
    }
    const audit = await store.audit({ serial, limit: 1000 });
    const failed = audit.filter((e) => e.event === 'failed');
    const locked = audit.filter((e) => e.event === 'locked');
    expect(failed).toHaveLength(MAX_FAILURES);
    expect(locked).toHaveLength(1);
    // The lock row follows the failure that caused it.
    expect(audit.map((e) => e.event).indexOf('locked')).toBe(audit.length - 1);
    const record = (await store.get(serial))!;
    expect(record).toMatchObject({ failCount: 0, lockCount: 1 });
    expect(record.lockedUntil).not.toBeNull();
    // Locked at one kiosk is locked at all of them: the right code is refused everywhere now.
    const right = await signOnEverywhere(nodes, user, code(0));
    for (const { reply } of right) expect(reply).toMatchObject({ ok: true, result: 'locked' });
    counts.push(failed.length);
  }
  printCounts('fleet storms', {
    storms: STORMS,
    attemptsEach: 3 * NODES,
    failuresCounted: counts.join('/'),
  });
}, 120_000);
