import { join } from 'node:path';
import { RegistryWorker } from '../helpers/registry-worker-process';
import { hotpToken, importTokens, openStore, tempDir } from '../unit/tokens/registry-fixtures';

/**
 * A child verifies successive HOTP codes as fast as it can and is SIGKILLed at a random moment,
 * again and again. Whatever it printed as accepted must be in the stored counter (the write is
 * durable before success is reported), no code may ever be accepted twice, and the file must stay
 * intact.
 */
const ROUNDS = 15;
const MAX_KILL_DELAY_MS = 300;

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

test('SIGKILL at random moments never rolls a counter back or accepts a code twice', async () => {
  const store = openStore(dir);
  await importTokens(store, [hotpToken('H1')]);
  store.closeSync();
  const accepted: number[] = [];
  let lastCounter = 0;

  for (let round = 0; round < ROUNDS; round++) {
    const worker = new RegistryWorker(
      join(dir, 'store.sqlite'),
      join(dir, 'keys', 'seed.key'),
      'H1',
      'loop',
    );
    expect(await worker.next()).toBe('ready');
    const delay = Math.floor(Math.random() * MAX_KILL_DELAY_MS);
    await new Promise((resolve) => setTimeout(resolve, delay));
    await worker.kill();

    const lines = worker.lines.slice(1);
    expect(lines.filter((l) => !l.startsWith('accepted '))).toEqual([]);
    accepted.push(...lines.map((l) => Number(l.slice('accepted '.length))));

    const check = openStore(dir);
    try {
      const counter = (await check.get('H1'))!.counter;
      // Never backwards, and every printed acceptance is in it.
      expect(counter).toBeGreaterThanOrEqual(lastCounter);
      expect(counter).toBeGreaterThan(Math.max(-1, ...accepted));
      lastCounter = counter;
      expect(check.checkIntegrity()).toEqual({ ok: true, problems: [] });
    } finally {
      check.closeSync();
    }
  }

  expect(new Set(accepted).size).toBe(accepted.length);
  expect(accepted.length).toBeGreaterThan(0);
  // Each committed acceptance was audited in its own transaction: exactly one row per counter.
  const final = openStore(dir);
  const verified = await final.audit({ event: 'verified', limit: 10_000 });
  expect(verified.map((e) => e.detail.matched)).toEqual([...Array(lastCounter).keys()]);
  final.closeSync();
}, 60_000); // 15 child processes, each compiling the sources it runs: a budget, not a bound
