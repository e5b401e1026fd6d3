import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateHotp } from '../../src/otp';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { ScriptProcess } from '../helpers/reliability-process';
import { printCounts } from '../helpers/reliability-scale';
import { hotpToken, importTokens, RFC_SEED } from '../unit/tokens/registry-fixtures';

/**
 * A 100,000-token `tokens import` in another process while the daemon serves the same SQLite
 * registry. Before the import was staged, it held the registry's write lock from its first line to
 * its commit, and every write of the daemon blocked its whole event loop for up to the busy
 * timeout (5 s) and then failed. Now the daemon's writes must all succeed during the import, and
 * no ping may wait anywhere near a busy timeout: the bound is about blocking, not speed.
 */
const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.ts');
const TOKENS = 100_000;
const USER = 'busy@example.com';
/** Half the busy timeout: a daemon that waited inside SQLite for the import's lock would pass it. */
const BLOCKED_MS = 2500;

let t: TestDaemon;
afterEach(() => t?.stop());

test('a running daemon keeps writing and answering during a 100,000-token import from another process', async () => {
  t = await startTestDaemon({
    config: { server: { rateLimit: { perSecond: 10_000, burst: 10_000 } } },
  });
  const { store } = t.daemon;
  await importTokens(store, [hotpToken('LIVE1')]);
  await store.pair('LIVE1', USER, { source: 'test' });
  const file = join(t.dir, 'seeds.csv');
  const lines: string[] = [];
  for (let i = 0; i < TOKENS; i++)
    lines.push(`B${String(i).padStart(7, '0')},${'3132333435363738393031323334353637383930'}`);
  writeFileSync(file, lines.join('\n') + '\n');

  const client = await t.connect();
  const importer = new ScriptProcess(CLI, [
    'tokens',
    'import',
    file,
    '--store',
    join(t.dir, 'tokens.sqlite'),
    '--key-file',
    join(t.dir, 'keys', 'seed.key'),
    '--json',
  ]);
  const pings: number[] = [];
  const refused: string[] = [];
  let counter = 0;
  const stamp = () => Number(process.hrtime.bigint()) / 1e6;
  while (importer.running) {
    const t0 = stamp();
    await client.request('ping');
    pings.push(stamp() - t0);
    const reply = await client.request('signon.verify', {
      user: USER,
      passcode: generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, counter),
    });
    if (reply.ok === true && reply.result === 'accepted') counter++;
    else refused.push(JSON.stringify(reply));
  }
  const exit = await importer.exited;
  expect(exit).toEqual({ code: 0, signal: null });
  expect(JSON.parse(importer.lines.join('\n'))).toMatchObject({ added: TOKENS, replaced: 0 });
  expect(await store.count()).toBe(TOKENS + 1);
  expect(refused).toEqual([]);
  expect(counter).toBeGreaterThan(10); // the daemon wrote all through the import
  expect((await store.get('LIVE1'))!.counter).toBe(counter);
  const sorted = [...pings].sort((a, b) => a - b);
  expect(sorted[sorted.length - 1]!).toBeLessThan(BLOCKED_MS);
  printCounts('ping during a 100,000-token import', {
    pings: pings.length,
    p50Ms: sorted[Math.floor(sorted.length / 2)]!.toFixed(2),
    p99Ms: sorted[Math.floor(sorted.length * 0.99)]!.toFixed(2),
    maxMs: sorted[sorted.length - 1]!.toFixed(2),
    writesDuringImport: counter,
  });
}, 180_000);
