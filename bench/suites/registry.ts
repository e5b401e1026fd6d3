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
async function importInto(store: SqliteTokenStore, count: number): Promise<number> {
  const start = process.hrtime.bigint();
  const session = await store.beginImport({ replace: false, dryRun: false, source: 'bench' });
  for (const token of tokens(count)) await session.add(token);
  await session.commit();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Slices of each measurement, alternated so that every figure sees the same disk (fsync varies). */
const SLICES = 6;

interface Rate {
  ops: number;
  ms: number;
}
const perSecond = (r: Rate) => r.ops / (r.ms / 1000);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Runs `step` back to back for `ms`, adding to `into`. */
async function slice(ms: number, step: () => unknown, into: Rate): Promise<void> {
  const start = nowMs();
  const end = start + ms;
  while (nowMs() < end) {
    await step();
    into.ops++;
  }
  into.ms += nowMs() - start;
}

/**
 * The three steps from a bare commit to a durable verification, each a single-row table or the
 * registry itself, synchronous=FULL: a raw compare-and-set UPDATE; the same UPDATE with the audit
 * row (and its two index entries) in one IMMEDIATE transaction, which is what the store writes;
 * and a whole TokenVerifier.verify (load, decrypt, engine, that transaction).
 */
async function durableSteps(
  dir: string,
  store: SqliteTokenStore,
): Promise<{ raw: Rate; withAudit: Rate; advanced: Rate; verified: Rate }> {
  const db = new Database(join(dir, 'raw-FULL.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (serial TEXT PRIMARY KEY, counter INTEGER NOT NULL)');
  db.exec(`CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER, event TEXT,
    serial TEXT, user TEXT, source TEXT, detail TEXT, node TEXT)`);
  db.exec(
    'CREATE INDEX audit_serial ON audit (serial, id); CREATE INDEX audit_user ON audit (user, id)',
  );
  db.prepare("INSERT INTO t VALUES ('a', 0), ('b', 0)").run();
  const cas = db.prepare('UPDATE t SET counter = ? WHERE serial = ? AND counter = ?');
  const audit = db.prepare(
    "INSERT INTO audit (at, event, serial, user, source, detail, node) VALUES (?, 'verified', 'b', NULL, 'bench', ?, 'bench')",
  );
  const withAuditTx = db.transaction((n: number) => {
    cas.run(n + 1, 'b', n);
    audit.run(Date.now(), JSON.stringify({ kind: 'hotp', matched: n, drift: 0 }));
  });
  const verifier = new TokenVerifier({ store, ...verifierSettingsOf(defaultConfig({})) });
  // A token computes its own codes: made before the clock starts (far more than a run uses).
  const codes = Array.from({ length: 60_000 }, (_, i) =>
    generateHotp({ secret: SEED, algorithm: 'sha1', digits: 6 }, i),
  );
  const state = { lastStep: null, drift: 0, yubicoUsage: null, yubicoSession: null };
  const advanced = serialOf(1);
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const rates = {
    raw: { ops: 0, ms: 0 },
    withAudit: { ops: 0, ms: 0 },
    advanced: { ops: 0, ms: 0 },
    verified: { ops: 0, ms: 0 },
  };
  for (let s = 0; s < SLICES; s++) {
    await slice(VERIFY_MS / SLICES, () => cas.run(a + 1, 'a', a++), rates.raw);
    await slice(VERIFY_MS / SLICES, () => withAuditTx.immediate(b++), rates.withAudit);
    await slice(
      VERIFY_MS / SLICES,
      async () => {
        const moved = await store.advance({
          serial: advanced,
          expected: { ...state, counter: d },
          next: { ...state, counter: d + 1 },
          at: Date.now(),
          audit: {
            event: 'verified',
            serial: advanced,
            user: null,
            source: 'bench',
            detail: { kind: 'hotp', matched: d, drift: 0 },
          },
        });
        if (!moved) throw new Error(`bench: advance of ${advanced} from ${d} lost`);
        d++;
      },
      rates.advanced,
    );
    await slice(
      VERIFY_MS / SLICES,
      async () => {
        const code = codes[c] ?? generateHotp({ secret: SEED, algorithm: 'sha1', digits: 6 }, c);
        const outcome = await verifier.verify(serialOf(0), code, { source: 'bench' });
        if (outcome.status !== 'accepted')
          throw new Error(`bench: code ${c} not accepted (${outcome.status})`);
        c++;
      },
      rates.verified,
    );
  }
  db.close();
  return rates;
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
    await importInto(small, SMALL);
    const importMs = await importInto(large, LARGE);
    figures.push({
      name: `import ${LARGE.toLocaleString('en-US')} HOTP tokens via beginImport`,
      value: importMs,
      unit: 'ms',
      note: `${Math.round(LARGE / (importMs / 1000)).toLocaleString('en-US')} tokens/s, staged then published in one transaction`,
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

    const steps = await durableSteps(dir, large);
    const raw = {
      name: 'raw CAS UPDATE commits/s, FULL (interleaved)',
      value: perSecond(steps.raw),
    };
    figures.push({
      name: 'durable HOTP verifications/s (TokenVerifier, synchronous=FULL, 100,000 tokens)',
      value: perSecond(steps.verified),
      unit: '/s',
      baseline: raw,
      note: `${tmpdir()} filesystem`,
    });
    figures.push({
      name: 'the same CAS UPDATE + an audit row in one IMMEDIATE transaction, FULL (one-row tables)',
      value: perSecond(steps.withAudit),
      unit: '/s',
      baseline: raw,
      note: 'what the audit row costs on its own',
    });
    figures.push({
      name: "the store's own write: store.advance on the registry (the verification's commit)",
      value: perSecond(steps.advanced),
      unit: '/s',
      baseline: raw,
      note: 'the rest of the gap is the read, decrypt and engine',
    });
    figures.push({
      name: 'raw CAS UPDATE commits/s, synchronous=NORMAL (not used: for scale)',
      value: rawCommitsPerSecond(dir, 'NORMAL'),
      unit: '/s',
      baseline: raw,
    });
    small.closeSync();
    large.closeSync();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

export const registrySuite: BenchSuite = { name: 'registry', run };
