import { join } from 'node:path';
import { generateHotp } from '../../src/otp';
import { RegistryWorker } from '../helpers/registry-worker-process';
import {
  hotpToken,
  importTokens,
  openStore,
  RFC_SEED,
  tempDir,
} from '../unit/tokens/registry-fixtures';

const ROUNDS = 20;
const code = (counter: number) =>
  generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, counter);

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

test('two processes verifying the same passcode on one file: exactly one accepts it', async () => {
  const store = openStore(dir);
  await importTokens(store, [hotpToken('H1')]);
  store.closeSync();
  const args = [join(dir, 'store.sqlite'), join(dir, 'keys', 'seed.key'), 'H1'] as const;
  const workers = [new RegistryWorker(...args, 'lines'), new RegistryWorker(...args, 'lines')];
  try {
    expect(await Promise.all(workers.map((w) => w.next()))).toEqual(['ready', 'ready']);
    for (let counter = 0; counter < ROUNDS; counter++) {
      for (const w of workers) w.send(code(counter));
      const outcomes = (await Promise.all(workers.map((w) => w.next()))).map((l) => JSON.parse(l));
      expect(outcomes.map((o) => o.status).sort()).toEqual(['accepted', 'rejected']);
      expect(outcomes.find((o) => o.status === 'accepted')).toMatchObject({ matched: counter });
      expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: 'replayed' });
    }
  } finally {
    await Promise.all(workers.map((w) => w.end()));
  }
  const after = openStore(dir);
  expect((await after.get('H1'))!.counter).toBe(ROUNDS);
  const verified = await after.audit({ event: 'verified', limit: 1000 });
  expect(verified.map((e) => e.detail.matched)).toEqual([...Array(ROUNDS).keys()]);
  after.closeSync();
});
