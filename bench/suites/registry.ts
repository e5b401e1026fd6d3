import Database from 'better-sqlite3';
import { defaultConfig } from '../../src/config';
import { verifierSettingsOf } from '../../src/runtime/verifier-options';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateHotp } from '../../src/otp';
import { SqliteTokenStore, TokenVerifier, type ImportedToken } from '../../src/tokens';
import { timePerCall, type BenchFigure, type BenchSuite } from '../harness';

const LARGE = 100_000;
const SMALL = 100;
const VERIFY_MS = 1500;
const SEED = new Uint8Array(Buffer.from('12345678901234567890', 'ascii'));

function* tokens(count: number): Generator<ImportedToken> {
  for (let i = 0; i < count; i++) {
    yield {
      serial: serialOf(i),
      kind: 'hotp',
      algorithm: 'sha1',
      digits: 6,
      period: 30,
      secret: i === 0 ? SEED : randomBytes(20),
      counter: 0,
      origin: `token ${i}`,
    };
  }
}

const serialOf = (i: number) => `TB${String(i).padStart(8, '0')}`;

function openIn(dir: string): SqliteTokenStore {
  return SqliteTokenStore.open({
    path: join(dir, 'store.sqlite'),
    keyFile: join(dir, 'seed.key'),
    maxTokensPerUser: defaultConfig({}).users.maxTokensPerUser,
  });
}

/** Imports `count` tokens through beginImport; returns the wall time in ms. */
function importInto(store: SqliteTokenStore, count: number): number {
  const start = process.hrtime.bigint();
  const session = store.beginImport({ replace: false, dryRun: false, source: 'bench' });
  for (const token of tokens(count)) session.add(token);
  session.commit();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Successive accepted HOTP verifications for VERIFY_MS; each is committed with fsync first. */
async function durableVerifiesPerSecond(store: SqliteTokenStore): Promise<number> {
  const verifier = new TokenVerifier({ store, ...verifierSettingsOf(defaultConfig({})) });
  const codes = Array.from({ length: 20_000 }, (_, c) =>
    generateHotp({ secret: SEED, algorithm: 'sha1', digits: 6 }, c),
  );
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(VERIFY_MS) * 1_000_000n;
  while (process.hrtime.bigint() < end && n < codes.length) {
    const outcome = await verifier.verify(serialOf(0), codes[n]!, { source: 'bench' });
    if (outcome.status !== 'accepted')
      throw new Error(`bench: code ${n} not accepted (${outcome.status})`);
    n++;
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** The floor under durable verification: bare compare-and-set commits on a one-row table. */
function rawCommitsPerSecond(dir: string, synchronous: 'FULL' | 'NORMAL'): number {
  const db = new Database(join(dir, `raw-${synchronous}.sqlite`));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec('CREATE TABLE t (serial TEXT PRIMARY KEY, counter INTEGER NOT NULL)');
  db.prepare("INSERT INTO t VALUES ('a', 0)").run();
  const cas = db.prepare("UPDATE t SET counter = ? WHERE serial = 'a' AND counter = ?");
  let counter = 0;
  const us = timePerCall(
    () => {
      cas.run(counter + 1, counter);
      counter++;
    },
    { minMs: VERIFY_MS / 2 },
  );
  db.close();
  return 1e6 / us;
}

async function run(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenbridge-bench-registry-'));
  const figures: BenchFigure[] = [];
  try {
    const small = openIn(join(dir, 'small'));
    const large = openIn(join(dir, 'large'));
    importInto(small, SMALL);
    const importMs = importInto(large, LARGE);
    figures.push({
      name: `import ${LARGE.toLocaleString('en-US')} HOTP tokens via beginImport`,
      value: importMs,
      unit: 'ms',
      note: `${Math.round(LARGE / (importMs / 1000)).toLocaleString('en-US')} tokens/s, one transaction`,
    });

    const pick = (count: number) => {
      let i = 0;
      return () => serialOf((i = (i * 7919 + 13) % count));
    };
    for (const [what, call] of [
      ['get (record only)', (s: SqliteTokenStore, serial: string) => s.get(serial)],
      ['load (record + AES-GCM decrypt)', (s: SqliteTokenStore, serial: string) => s.load(serial)],
    ] as const) {
      const nextSmall = pick(SMALL);
      const nextLarge = pick(LARGE);
      figures.push({
        name: `lookup by serial, ${what}, ${LARGE.toLocaleString('en-US')} tokens`,
        value: timePerCall(() => void call(large, nextLarge())),
        unit: 'µs',
        baseline: {
          name: `same, ${SMALL} tokens`,
          value: timePerCall(() => void call(small, nextSmall())),
        },
        note: 'flat means ratio ~1',
      });
    }

    const rawFull = rawCommitsPerSecond(dir, 'FULL');
    figures.push({
      name: 'durable HOTP verifications/s (TokenVerifier, synchronous=FULL, 100,000 tokens)',
      value: await durableVerifiesPerSecond(large),
      unit: '/s',
      baseline: { name: 'raw CAS UPDATE commits/s, FULL', value: rawFull },
      note: `${tmpdir()} filesystem`,
    });
    figures.push({
      name: 'raw CAS UPDATE commits/s, synchronous=NORMAL (not used: for scale)',
      value: rawCommitsPerSecond(dir, 'NORMAL'),
      unit: '/s',
      baseline: { name: 'raw CAS UPDATE commits/s, FULL', value: rawFull },
    });
    small.closeSync();
    large.closeSync();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

export const registrySuite: BenchSuite = { name: 'registry', run };
