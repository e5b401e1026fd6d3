import { httpGet } from '../helpers/http';
import { pgCtl, startPgCluster, stopPgCluster, type PgClusterInfo } from '../../bench/pg-cluster';
import type { PostgresTokenStore } from '../../src/tokens/postgres/pg-store';
import {
  adminClient,
  createTestDatabase,
  terminateSessions,
  type TestDatabase,
} from '../helpers/pg';
import { printCounts } from '../helpers/reliability-scale';
import { hotpToken, importTokens, tempDir } from '../unit/tokens/registry-fixtures';
import {
  code,
  openFleetStore,
  signOnEverywhere,
  startNode,
  stopNode,
  type FleetNode,
} from './fleet-rig';

/**
 * The faults a fleet meets, against a PostgreSQL cluster of this file's own (it is stopped and
 * restarted here): the server down when a daemon starts, connections cut, the server restarted, a
 * daemon SIGKILLed mid-verification, a statement stuck on a lock. After each: no passcode accepted
 * twice, no counter gone backwards, and nothing a client was told "accepted" missing from the
 * registry (every acceptance has its committed counter and its audit row).
 */
const USER = 'fault@example.com';
const MAX_FAILURES = 100; // the losers of the races are failures: keep lockouts out of the way

let cluster: PgClusterInfo;
let folder: { dir: string; cleanup: () => void };
let db: TestDatabase;
let store: PostgresTokenStore;
const started: FleetNode[] = [];

beforeAll(async () => {
  cluster = await startPgCluster({ fsync: false });
}, 60_000);

afterAll(async () => {
  if (cluster) await stopPgCluster(cluster);
});

beforeEach(async () => {
  folder = tempDir();
  db = await createTestDatabase(cluster);
  store = await openFleetStore(db.url, db.passwordFile, folder.dir);
  await importTokens(store, [hotpToken('F1')]);
  await store.pair('F1', USER, { source: 'test' });
});

afterEach(async () => {
  await Promise.all(started.splice(0).map(stopNode));
  await store.close();
  await db.drop().catch(() => undefined);
  folder.cleanup();
});

async function node(name: string, extra: { statementTimeoutMs?: number } = {}): Promise<FleetNode> {
  const n = await startNode({
    dir: folder.dir,
    url: db.url,
    passwordFile: db.passwordFile,
    node: name,
    maxFailures: MAX_FAILURES,
    ...extra,
  });
  started.push(n);
  return n;
}

const healthz = (n: FleetNode) => httpGet(`${n.httpUrl}/healthz`);

/** What the clients were told over a run, to hold against the registry afterwards. */
class Ledger {
  readonly accepted: number[] = [];
  rejected = 0;
  refusedWithError = 0;
  lost = 0;
  readonly errorCodes = new Set<string>();

  /**
   * Sends code(counter) to every node at once and books the replies. True when some node answered
   * (accepted or rejected): the code is settled. False when every reply was an error: the code may
   * or may not have been used, and sending it again finds out.
   */
  async round(nodes: readonly FleetNode[], counter: number): Promise<boolean> {
    const replies = await signOnEverywhere(nodes, USER, code(counter));
    let wins = 0;
    for (const { reply, error } of replies) {
      if (error !== undefined) this.lost++;
      else if (reply?.ok === true && reply.result === 'accepted') wins++;
      else if (reply?.ok === true) this.rejected++;
      else {
        this.refusedWithError++;
        this.errorCodes.add(String((reply?.error as { code?: string } | undefined)?.code));
      }
    }
    expect(wins).toBeLessThanOrEqual(1);
    if (wins === 1) this.accepted.push(counter);
    return replies.some((r) => r.reply?.ok === true);
  }

  /** The registry agrees: every acceptance committed and audited once, counters only forward. */
  async check(previousCounter = 0): Promise<number> {
    expect(new Set(this.accepted).size).toBe(this.accepted.length);
    const counter = (await store.get('F1'))!.counter;
    expect(counter).toBeGreaterThanOrEqual(previousCounter);
    if (this.accepted.length > 0) expect(counter).toBeGreaterThan(Math.max(...this.accepted));
    const verified = (await store.audit({ serial: 'F1', event: 'verified', limit: 10_000 })).map(
      (e) => e.detail.matched as number,
    );
    expect(new Set(verified).size).toBe(verified.length);
    for (const c of this.accepted) expect(verified).toContain(c);
    // Matched counters only ever increase, in commit order.
    expect([...verified].sort((a, b) => a - b)).toEqual(verified);
    return counter;
  }
}

test('the server down at start: the daemon starts, /healthz says why, sign-ons are refused; when it is back, sign-on works without a restart', async () => {
  await pgCtl(cluster, 'stop');
  let restarted = false;
  try {
    const kiosk = await node('kiosk-down');
    const health = await healthz(kiosk);
    expect(health.status).toBe(503);
    const body = JSON.parse(health.body) as { registry: Record<string, string> };
    expect(body.registry).toMatchObject({ ok: false, kind: 'postgres', code: 'STORE_UNAVAILABLE' });
    expect(body.registry.reason).toMatch(/cannot be reached/);
    expect(health.body).not.toContain(cluster.password);
    const refused = await kiosk.client.request('signon.verify', { user: USER, passcode: code(0) });
    expect(refused.ok).toBe(false); // fail closed: nothing accepted without a durable write
    // ...and the page is told to try again, not that something broke.
    expect(refused).toMatchObject({ error: { code: 'UNAVAILABLE' } });

    await pgCtl(cluster, 'start');
    restarted = true;
    let reply: Record<string, unknown> = refused as Record<string, unknown>;
    for (let i = 0; i < 50 && reply.ok !== true; i++) {
      await new Promise((r) => setTimeout(r, 200));
      reply = (await kiosk.client.request('signon.verify', {
        user: USER,
        passcode: code(0),
      })) as Record<string, unknown>;
    }
    expect(reply).toMatchObject({ ok: true, result: 'accepted' });
    expect((await healthz(kiosk)).status).toBe(200);
    expect((await store.get('F1'))!.counter).toBe(1);
  } finally {
    if (!restarted) await pgCtl(cluster, 'start');
  }
}, 60_000);

test('connections cut by pg_terminate_backend mid-run: nothing accepted twice or lost', async () => {
  const nodes = [await node('kiosk-a'), await node('kiosk-b')];
  const ledger = new Ledger();
  let cuts = 0;
  let stop = false;
  const cutter = (async () => {
    while (!stop) {
      await new Promise((r) => setTimeout(r, 40 + Math.random() * 60));
      cuts += (await terminateSessions(db.name, cluster)) > 0 ? 1 : 0;
    }
  })();
  for (let counter = 0; counter < 300; counter++) await ledger.round(nodes, counter);
  stop = true;
  await cutter;
  await ledger.check();
  expect(ledger.refusedWithError).toBeGreaterThan(0); // the cuts did land mid-verification
  expect(ledger.accepted.length).toBeGreaterThan(100); // and the pool reconnected each time
  expect([...ledger.errorCodes]).toEqual(['UNAVAILABLE']); // the page says "try again"
  printCounts('fleet cut connections', {
    rounds: 300,
    cuts,
    accepted: ledger.accepted.length,
    rejected: ledger.rejected,
    refusedTryAgain: ledger.refusedWithError,
    codes: [...ledger.errorCodes].join('/'),
  });
}, 120_000);

test('PostgreSQL restarted mid-run: refused while it is down, then the pools reconnect by themselves', async () => {
  const nodes = [await node('kiosk-a'), await node('kiosk-b')];
  const ledger = new Ledger();
  let counter = 0;
  for (; counter < 100; counter++) await ledger.round(nodes, counter);
  const before = ledger.accepted.length;
  const restart = pgCtl(cluster, 'restart', 'immediate');
  // Keep signing on while the server goes down and comes back.
  let duringRestart = 0;
  let done = false;
  void restart.then(() => (done = true));
  while (!done) {
    // A code refused with "try again" is sent again (a kiosk user presses once more): skipping
    // codes would carry the token past its look-ahead window.
    if (await ledger.round(nodes, counter)) counter++;
    else await new Promise((r) => setTimeout(r, 20));
    duringRestart++;
  }
  // The first codes after the restart may still meet a pool that has to find out its connections
  // are gone: the same code again until it is settled.
  for (let tries = 0; tries < 100 && !(await ledger.round(nodes, counter)); tries++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  counter++;
  await restart;
  const accepting = ledger.accepted.length;
  for (let i = 0; i < 100; i++) await ledger.round(nodes, counter++);
  await ledger.check();
  expect(before).toBe(100);
  expect(ledger.accepted.length - accepting).toBeGreaterThan(50);
  expect([...ledger.errorCodes]).toEqual(['UNAVAILABLE']);
  printCounts('fleet server restart', {
    rounds: counter,
    duringRestart,
    accepted: ledger.accepted.length,
    refusedTryAgain: ledger.refusedWithError,
    codes: [...ledger.errorCodes].join('/'),
  });
}, 120_000);

test('a daemon SIGKILLed mid-verification: the others carry on, and the registry holds every acceptance', async () => {
  const survivor = await node('kiosk-survivor');
  let counter = 0;
  let last = 0;
  const ledger = new Ledger();
  for (let kill = 0; kill < 4; kill++) {
    const victim = await node(`kiosk-victim-${kill}`);
    const nodes = [survivor, victim];
    const deadline = Date.now() + 100 + Math.random() * 300;
    const killer = new Promise<void>((resolve) =>
      setTimeout(() => void victim.process.kill('SIGKILL').then(resolve), deadline - Date.now()),
    );
    while (victim.process.running) await ledger.round(nodes, counter++);
    await killer;
    last = await ledger.check(last);
  }
  for (let i = 0; i < 20; i++) await ledger.round([survivor], counter++);
  await ledger.check(last);
  expect(ledger.lost).toBeGreaterThan(0); // replies the dead daemons never sent
  printCounts('fleet sigkill', {
    rounds: counter,
    kills: 4,
    accepted: ledger.accepted.length,
    lost: ledger.lost,
  });
}, 120_000);

test('a statement stuck on a lock ends at store.statementTimeoutMs with "try again"; the daemon keeps answering meanwhile, and the code is not used up', async () => {
  const kiosk = await node('kiosk-slow', { statementTimeoutMs: 500 });
  const blocker = await adminClient(db.name, cluster);
  try {
    await blocker.query('BEGIN');
    await blocker.query("SELECT * FROM tokens WHERE serial = 'F1' FOR UPDATE");
    const start = Date.now();
    const pending = kiosk.client.request('signon.verify', { user: USER, passcode: code(0) });
    const pings: number[] = [];
    let answered = false;
    void pending.then(() => (answered = true));
    while (!answered) {
      const t = Date.now();
      expect(await kiosk.client.request('ping')).toMatchObject({ ok: true, pong: true });
      pings.push(Date.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
    const reply = await pending;
    const waited = Date.now() - start;
    expect(reply.ok).toBe(false);
    expect(waited).toBeGreaterThanOrEqual(400);
    expect(pings.length).toBeGreaterThan(5); // the event loop served pings while the statement waited
    await blocker.query('ROLLBACK');
    expect(
      await kiosk.client.request('signon.verify', { user: USER, passcode: code(0) }),
    ).toMatchObject({
      ok: true,
      result: 'accepted',
    });
    printCounts('fleet statement timeout', {
      waitedMs: waited,
      pings: pings.length,
      slowestPingMs: Math.max(...pings),
    });
  } finally {
    await blocker.end();
  }
}, 60_000);
