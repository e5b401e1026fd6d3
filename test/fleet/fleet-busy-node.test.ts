import { httpGet } from '../helpers/http';
import type { PostgresTokenStore } from '../../src/tokens/postgres/pg-store';
import { createTestDatabase, type TestDatabase } from '../helpers/pg';
import { printCounts } from '../helpers/reliability-scale';
import { ReliabilityClient } from '../helpers/reliability-ws';
import { sampleValue } from '../unit/metrics/exposition';
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
 * Two busy daemons on one registry: sixteen seats each, every person signing on at both at once
 * (as if two kiosks shared the lobby's people), round after round. Each node has more sign-ons in
 * flight than it sends statements, so it shares commits (pg-advance-batch.ts): every code must still
 * be accepted exactly once, by one node, with its audit row, and /metrics must show the sharing.
 */
const SEATS = 16;
const ROUNDS = 20;
const NODES = 2;

let folder: { dir: string; cleanup: () => void };
let db: TestDatabase;
let store: PostgresTokenStore;
let nodes: FleetNode[] = [];
/** seats[node][seat]: each seat's own connection to each node. */
let seats: ReliabilityClient[][] = [];
const userOf = (seat: number) => `seat${seat}@example.com`;
const serialOf = (seat: number) => `BUSY${String(seat).padStart(2, '0')}`;

beforeAll(async () => {
  folder = tempDir();
  db = await createTestDatabase();
  store = await openFleetStore(db.url, db.passwordFile, folder.dir);
  await importTokens(
    store,
    Array.from({ length: SEATS }, (_, i) => hotpToken(serialOf(i))),
  );
  for (let i = 0; i < SEATS; i++) await store.pair(serialOf(i), userOf(i), { source: 'test' });
  nodes = await startNodes(NODES, 'busy', fleetSettings(db, folder.dir, 5));
  seats = await Promise.all(
    nodes.map((n) =>
      Promise.all(
        Array.from({ length: SEATS }, () => ReliabilityClient.connect(n.wsUrl, n.origin)),
      ),
    ),
  );
}, 120_000);

afterAll(async () => {
  for (const client of seats.flat()) client.terminate();
  await Promise.all(nodes.map(stopNode));
  await store?.close();
  await db?.drop();
  folder?.cleanup();
});

const scrape = async (node: FleetNode) => (await httpGet(`${node.httpUrl}/metrics`)).body;

test('sixteen seats signing on at two busy daemons at once: each code accepted once, commits shared', async () => {
  const accepted = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    const replies = await Promise.all(
      nodes.flatMap((node, n) =>
        Array.from({ length: SEATS }, async (_, seat) => ({
          node: node.name,
          seat,
          reply: (await seats[n]![seat]!.request('signon.verify', {
            user: userOf(seat),
            passcode: code(round),
          })) as Record<string, unknown>,
        })),
      ),
    );
    for (let seat = 0; seat < SEATS; seat++) {
      const mine = replies.filter((r) => r.seat === seat);
      const wins = mine.filter((r) => r.reply.result === 'accepted');
      expect(wins).toHaveLength(1);
      for (const r of mine) {
        if (r.reply.result !== 'accepted')
          expect(r.reply).toMatchObject({ ok: true, result: 'rejected', reason: 'replayed' });
      }
      accepted.set(wins[0]!.node, (accepted.get(wins[0]!.node) ?? 0) + 1);
    }
  }

  for (let seat = 0; seat < SEATS; seat++) {
    expect((await store.get(serialOf(seat)))!.counter).toBe(ROUNDS);
    const verified = (await store.audit({ serial: serialOf(seat), event: 'verified' })).map(
      (e) => e.detail['matched'],
    );
    expect([...verified].sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: ROUNDS }, (_, i) => i),
    );
  }
  const figures: Record<string, number> = { seats: SEATS, rounds: ROUNDS };
  for (const node of nodes) {
    const verified = await store.audit({ event: 'verified', limit: 10_000 });
    expect(verified.filter((e) => e.node === node.name)).toHaveLength(accepted.get(node.name) ?? 0);
    const text = await scrape(node);
    const writes = sampleValue(text, 'tokenbridge_registry_verification_writes_total')!;
    const commits = sampleValue(text, 'tokenbridge_registry_verification_commits_total')!;
    // Every acceptance here was one of this node's compare-and-sets, and they shared commits.
    expect(writes).toBeGreaterThanOrEqual(accepted.get(node.name) ?? 0);
    expect(commits).toBeLessThan(writes);
    Object.assign(figures, {
      [`won:${node.name}`]: accepted.get(node.name) ?? 0,
      [`writes:${node.name}`]: writes,
      [`commits:${node.name}`]: commits,
    });
  }
  printCounts('fleet busy nodes', figures);
}, 120_000);
