import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateHotp } from '../../src/otp';
import { printCounts, scaled } from '../helpers/reliability-scale';
import { ScriptProcess } from '../helpers/reliability-process';
import { ReliabilityClient } from '../helpers/reliability-ws';
import {
  hotpToken,
  importTokens,
  openStore,
  RFC_SEED,
  tempDir,
} from '../unit/tokens/registry-fixtures';

/**
 * The daemon runs in a child process; ws clients sign on with successive HOTP codes (two clients
 * race with the same code) while the test SIGKILLs the daemon at random moments, during start-up
 * or under load, and restarts it on the same store. Afterwards: no counter went backwards, every
 * acceptance a client saw is in the stored counter, no code was ever accepted twice, and
 * PRAGMA integrity_check passes after every crash.
 */

const CHILD = join(__dirname, '..', 'helpers', 'reliability-daemon-child.ts');
const ROUNDS = scaled(20, 3);
const MAX_KILL_DELAY_MS = 400;
const SERIAL = 'CRASH1';
const USER = 'crash@example.com';
const params = { secret: RFC_SEED, algorithm: 'sha1', digits: 6 } as const;

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

interface Ready {
  process: ScriptProcess;
  wsUrl: string;
  origin: string;
}

async function startChild(): Promise<ScriptProcess> {
  return new ScriptProcess(CHILD, [dir]);
}

async function ready(child: ScriptProcess): Promise<Ready | undefined> {
  const line = await child.next();
  if (line === undefined) return undefined;
  const [word, wsUrl, origin] = line.split(' ');
  if (word !== 'ready') throw new Error(`daemon child: ${line} ${child.stderr.join('')}`);
  return { process: child, wsUrl: wsUrl!, origin: origin! };
}

/** What the clients saw over every round. */
const seen = {
  accepted: [] as number[],
  rejected: 0,
  replaysRefused: 0,
  requests: 0,
  kills: 0,
  startupKills: 0,
  /** Codes a daemon committed but died before replying to. */
  committedUnseen: 0,
};

/**
 * Both clients send the code for counter `next` at once; at most one may be accepted. A refused
 * code was already used (accepted by a daemon that died before it could reply), so move on either
 * way. Every few codes an old accepted code is replayed: it must be refused.
 */
async function signOnLoop(
  a: ReliabilityClient,
  b: ReliabilityClient,
  start: number,
): Promise<void> {
  let next = start;
  for (;;) {
    const code = generateHotp(params, next);
    const replies = await Promise.allSettled([
      a.request('signon.verify', { user: USER, passcode: code }),
      b.request('signon.verify', { user: USER, passcode: code }),
    ]);
    const results = replies.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    seen.requests += results.length;
    for (const reply of results) {
      if (!reply.ok) throw new Error(`sign-on failed: ${JSON.stringify(reply)}`);
      if (reply.result === 'accepted') seen.accepted.push(next);
      else seen.rejected += 1;
    }
    if (results.length < 2) return; // the daemon went away mid-request
    const old = seen.accepted[Math.floor(Math.random() * seen.accepted.length)];
    if (old !== undefined && next % 5 === 0) {
      const replay = await a.request('signon.verify', {
        user: USER,
        passcode: generateHotp(params, old),
      });
      seen.requests += 1;
      expect(replay).toMatchObject({ ok: true, result: 'rejected' });
      seen.replaysRefused += 1;
    }
    next += 1;
  }
}

test('SIGKILL at random moments never rolls a counter back, accepts a code twice, or corrupts the store', async () => {
  const store = openStore(dir);
  await importTokens(store, [hotpToken(SERIAL)]);
  store.closeSync();

  // Round 0: pair over the API, then stop cleanly (SIGTERM).
  {
    const child = await ready(await startChild());
    const client = await ReliabilityClient.connect(child!.wsUrl, child!.origin);
    const started = await client.request('pairing.start', { user: USER });
    const pairingId = (started as { pairingId?: string }).pairingId;
    await client.request('pairing.chooseHardwareToken', { pairingId });
    expect(await client.request('pairing.serial', { pairingId, serial: SERIAL })).toMatchObject({
      ok: true,
      step: 'verification',
    });
    const verified = await client.request('pairing.verify', {
      pairingId,
      passcode: generateHotp(params, 0),
    });
    expect(verified).toMatchObject({ ok: true, result: 'accepted' });
    seen.accepted.push(0);
    await client.close();
    await child!.process.kill('SIGTERM');
    expect(await child!.process.exited).toEqual({ code: 0, signal: null });
  }

  let lastCounter = await storedCounter();
  expect(lastCounter).toBe(1);
  for (let round = 1; round <= ROUNDS; round++) {
    const child = await startChild();
    const delay = Math.floor(Math.random() * MAX_KILL_DELAY_MS);
    if (round % 3 === 0) {
      // During start-up: opening the store, migrating, provisioning, listening.
      await new Promise((resolve) => setTimeout(resolve, delay * 1.5));
      seen.startupKills += 1;
    } else {
      const up = await ready(child);
      const clients = await Promise.all([
        ReliabilityClient.connect(up!.wsUrl, up!.origin),
        ReliabilityClient.connect(up!.wsUrl, up!.origin),
      ]);
      // Resume after the last acceptance seen: a code the dead daemon committed without replying
      // comes up again and must be refused.
      // The handler is attached at once: the loop may end before the kill below is awaited.
      const loop = signOnLoop(clients[0]!, clients[1]!, Math.max(...seen.accepted) + 1).then(
        () => undefined,
        // Only the daemon vanishing may end the loop.
        (err: unknown) => (/closed|timed out/.test(String(err)) ? undefined : err),
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      await child.kill();
      const failure = await loop;
      if (failure) throw failure;
      for (const c of clients) c.terminate();
    }
    await child.kill();
    seen.kills += 1;

    const counter = await storedCounter();
    seen.committedUnseen += counter - (Math.max(...seen.accepted) + 1);
    // Never backwards, and every acceptance a client was told about is in it.
    expect(counter).toBeGreaterThanOrEqual(lastCounter);
    expect(counter).toBeGreaterThan(Math.max(...seen.accepted));
    lastCounter = counter;
  }

  expect(new Set(seen.accepted).size).toBe(seen.accepted.length);
  expect(seen.accepted.length).toBeGreaterThan(1);
  // Each acceptance was audited once: the audit never names a counter twice.
  const final = openStore(dir);
  const verified = await final.audit({ event: 'verified', limit: 100_000 });
  final.closeSync();
  const matched = verified.map((e) => e.detail.matched as number);
  expect(new Set(matched).size).toBe(matched.length);
  for (const counter of seen.accepted) expect(matched).toContain(counter);
  // A second, independent look at the file with a fresh connection.
  const db = new Database(join(dir, 'store.sqlite'));
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();
  printCounts('crash', {
    rounds: ROUNDS,
    kills: seen.kills,
    startupKills: seen.startupKills,
    requests: seen.requests,
    accepted: seen.accepted.length,
    rejected: seen.rejected,
    replaysRefused: seen.replaysRefused,
    committedUnseen: seen.committedUnseen,
    finalCounter: lastCounter,
  });
}, 120_000);

async function storedCounter(): Promise<number> {
  const store = openStore(dir);
  try {
    expect(store.checkIntegrity()).toEqual({ ok: true, problems: [] });
    return (await store.get(SERIAL))!.counter!;
  } finally {
    store.closeSync();
  }
}
