import {
  FRESH_TRY_LEASE_MS,
  GuessBudget,
  UnknownUserLockout,
  type GuardSteps,
} from '../../src/flows';
import { lockoutPolicy } from '../../src/tokens';
import type { PostgresTokenStore } from '../../src/tokens/postgres/pg-store';
import { createTestDatabase, type TestDatabase } from '../helpers/pg';
import { ReliabilityClient } from '../helpers/reliability-ws';
import { hotpToken, importTokens, tempDir } from '../unit/tokens/registry-fixtures';
import {
  code,
  openFleetStore,
  fleetSettings,
  startNodes,
  stopNode,
  type FleetNode,
} from './fleet-rig';

/**
 * The guess guards in front of the lockout on a fleet: an unknown user name's failure count and a
 * locked user's fresh try live in the registry, so every kiosk answers from one count. Without
 * that, a name locked at one kiosk would not be at the next (and a real user's is: that tells a
 * prober which names are real), and each kiosk would give a locked user one more fresh try.
 */
const MAX_FAILURES = 3;
const WRONG = ['000000', '111111', '222222', '333333'];

let folder: { dir: string; cleanup: () => void };
let db: TestDatabase;
let store: PostgresTokenStore;
let nodes: FleetNode[] = [];
const opened: ReliabilityClient[] = [];

beforeAll(async () => {
  folder = tempDir();
  db = await createTestDatabase();
  store = await openFleetStore(db.url, db.passwordFile, folder.dir);
  await importTokens(store, [hotpToken('GUARD1'), hotpToken('GUARD2')]);
  await store.pair('GUARD1', 'real@example.com', { source: 'test' });
  await store.pair('GUARD2', 'alice@example.com', { source: 'test' });
  nodes = await startNodes(2, 'guard', fleetSettings(db, folder.dir, MAX_FAILURES));
}, 120_000);

afterAll(async () => {
  for (const client of opened) client.terminate();
  await Promise.all(nodes.map(stopNode));
  await store?.close();
  await db?.drop();
  folder?.cleanup();
});

/** A fresh page at `node`: a connection that has sent no wrong passcode yet. */
async function freshPage(node: FleetNode): Promise<ReliabilityClient> {
  const client = await ReliabilityClient.connect(node.wsUrl, node.origin);
  opened.push(client);
  return client;
}

const signOn = async (client: ReliabilityClient, user: string, passcode: string) =>
  (await client.request('signon.verify', { user, passcode })) as Record<string, unknown>;

test('a user name without tokens locked at one kiosk is locked at the next, as a real one is', async () => {
  const [a, b] = nodes as [FleetNode, FleetNode];
  const answersAt = async (user: string) => {
    const prober = await freshPage(a);
    const atA = [];
    for (const wrong of WRONG.slice(0, MAX_FAILURES)) atA.push(await signOn(prober, user, wrong));
    const atB = await signOn(await freshPage(b), user, WRONG[3]!);
    return { atA: atA.map((r) => r.result), atB };
  };
  const real = await answersAt('real@example.com');
  const ghost = await answersAt('ghost@example.com');
  expect(real.atA).toEqual(['rejected', 'rejected', 'locked']);
  expect(ghost.atA).toEqual(real.atA);
  // Kiosk B has never seen either name: it answers both from the registry, alike.
  expect(real.atB).toMatchObject({ result: 'locked' });
  expect(ghost.atB).toMatchObject({ result: 'locked' });
  expect(Object.keys(ghost.atB).sort()).toEqual(Object.keys(real.atB).sort());
  // Each counted failure of the name is audited where it was counted; B's, made while locked, is not.
  const ghostRows = await store.audit({ user: 'ghost@example.com' });
  expect(ghostRows.map((e) => [e.node, e.detail])).toEqual(
    Array(MAX_FAILURES).fill(['guard-1', { reason: 'no-paired-token' }]),
  );
});

test("a locked user's fresh try is one for the whole fleet: a failed one at kiosk A closes it at kiosk B", async () => {
  const [a, b] = nodes as [FleetNode, FleetNode];
  const user = 'alice@example.com';
  const attacker = await freshPage(a);
  for (const wrong of WRONG.slice(0, MAX_FAILURES)) await signOn(attacker, user, wrong);
  expect(await store.get('GUARD2')).toMatchObject({ lockedUntil: expect.any(Number) });
  // A prober's fresh page at A spends alice's fresh try with a wrong code.
  expect(await signOn(await freshPage(a), user, WRONG[3]!)).toMatchObject({ result: 'locked' });
  // Alice's correct code on a fresh page at B is not tried: B found her slot closed in the
  // registry. (Each kiosk with its own slot would have let her in, and any prober one more guess.)
  expect(await signOn(await freshPage(b), user, code(0))).toMatchObject({ result: 'locked' });
  expect(await store.get('GUARD2')).toMatchObject({
    counter: 0,
    lockedUntil: expect.any(Number),
  });
  const untried = (await store.audit({ event: 'failed' })).filter(
    (e) => e.user === user && (e.detail as { counted?: boolean }).counted === false,
  );
  expect(untried.map((e) => e.node)).toEqual(['guard-1']);
});

describe('the guard steps in the registry, driven as two daemons would', () => {
  const policy = lockoutPolicy({
    maxFailures: MAX_FAILURES,
    baseLockMs: 1000,
    growth: 2,
    maxLockMs: 10_000,
  });
  let other: PostgresTokenStore;
  beforeAll(async () => {
    other = await openFleetStore(db.url, db.passwordFile, folder.dir, 'other', 4);
  });
  afterAll(() => other?.close());
  const stepsOf = (s: PostgresTokenStore): GuardSteps => s.guardSteps;

  test('eight failures for one name at once, from two stores: exactly the policy count is counted', async () => {
    const lockouts = [store, other].map((s) => new UnknownUserLockout(policy, stepsOf(s)));
    const row = {
      event: 'failed',
      serial: null,
      user: 'storm@example.com',
      source: 'storm',
      detail: { reason: 'no-paired-token' },
    } as const;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => lockouts[i % 2]!.fail('storm@example.com', 5000, row)),
    );
    expect(answers.filter((a) => a.counted)).toHaveLength(MAX_FAILURES);
    // Each counted failure wrote its audit row in the statement that counted it; no other did.
    const logged = await store.audit({ user: 'storm@example.com' });
    expect(logged.map((e) => e.source)).toEqual(Array(MAX_FAILURES).fill('storm'));
    for (const e of logged) expect(['test', 'other']).toContain(e.node);
    expect(answers.filter((a) => a.result === 'rejected').map((a) => a.attemptsLeft)).toEqual(
      expect.arrayContaining([2, 1]),
    );
    expect(answers.filter((a) => a.result === 'locked')).toHaveLength(8 - (MAX_FAILURES - 1));
    expect(await stepsOf(other).read('unknown-user', 'storm@example.com')).toEqual({
      failCount: 0,
      lockCount: 1,
      lockedUntil: 6000,
    });
  });

  test('a fresh try taken by a daemon that never reports holds its slot for the lease, not for ever', async () => {
    const [one, two] = [store, other].map((s) => new GuessBudget(policy, 10, stepsOf(s)));
    const racing = await Promise.all([
      one!.takeFreshSlot('lease@example.com', 0),
      two!.takeFreshSlot('lease@example.com', 0),
    ]);
    expect(racing.filter((r) => r !== undefined)).toHaveLength(1);
    // The holder dies before reporting: the other store finds the slot closed until the lease ends.
    expect(await two!.takeFreshSlot('lease@example.com', FRESH_TRY_LEASE_MS - 1)).toBeUndefined();
    const next = await two!.takeFreshSlot('lease@example.com', FRESH_TRY_LEASE_MS);
    expect(next).toBeDefined();
    await next!(false);
    expect(await stepsOf(store).read('fresh-try', 'lease@example.com')).toEqual({
      failCount: 0,
      lockCount: 1,
      lockedUntil: FRESH_TRY_LEASE_MS + 1000,
    });
    // A success reopens the slot and forgets its lengths.
    const after = await one!.takeFreshSlot('lease@example.com', FRESH_TRY_LEASE_MS + 1000);
    await after!(true);
    expect(await stepsOf(other).read('fresh-try', 'lease@example.com')).toBeNull();
  });
});
