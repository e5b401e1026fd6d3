import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger, ErrorCode, parseConnectionString } from '../../src/core';
import { PostgresTokenStore } from '../../src/tokens/postgres/pg-store';
import { migrate } from '../../src/tokens/postgres/migrate';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../../src/tokens/postgres/migrations';
import { runTokenbridge } from '../helpers/cli';
import { verifierSettings } from '../helpers/config';
import {
  adminClient,
  createTestDatabase,
  terminateSessions,
  type TestDatabase,
} from '../helpers/pg';
import {
  hotpToken,
  importTokens,
  openStore,
  RFC_SEED,
  tempDir,
  yubicoToken,
} from '../unit/tokens/registry-fixtures';
import { openFleetStore } from './fleet-rig';

/**
 * The fleet registry's own rules: migrations once under the advisory lock, a newer or foreign
 * schema refused, the fleet key's fingerprint, seeds sealed before they reach the server, and the
 * commands (`--store postgres://...`, `store migrate`, `store copy`, `doctor`).
 */
let folder: { dir: string; cleanup: () => void };
let db: TestDatabase;
beforeEach(async () => {
  folder = tempDir();
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
  folder.cleanup();
});

const open = (dir = folder.dir, node = 'test') =>
  openFleetStore(db.url, db.passwordFile, dir, node);
const storeFlags = () => [
  '--store',
  db.url,
  '--store-password-file',
  db.passwordFile,
  '--key-file',
  join(folder.dir, 'seed.key'),
];

test('eight daemons starting at once on a new database apply each migration exactly once', async () => {
  const stores = await Promise.all(Array.from({ length: 8 }, (_, i) => open(folder.dir, `n${i}`)));
  const applied = (await Promise.all(stores.map((s) => s.schema()))).map((s) => s.appliedNow);
  expect(applied.flat().sort()).toEqual(PG_MIGRATIONS.map((m) => m.version));
  const admin = await adminClient(db.name);
  try {
    const rows = await admin.query(
      'SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version',
    );
    expect(rows.rows).toEqual(PG_MIGRATIONS.map((m) => ({ version: m.version, n: 1 })));
  } finally {
    await admin.end();
  }
  for (const s of stores) await s.close();
});

test('a schema from a newer tokenbridge is refused, with both versions in the message', async () => {
  await (await open()).close();
  const admin = await adminClient(db.name);
  await admin.query(
    "INSERT INTO schema_migrations (version, name, applied_at, applied_by) VALUES ($1, 'future', 0, 'x')",
    [PG_SCHEMA_VERSION + 1],
  );
  await admin.end();
  await expect(open()).rejects.toMatchObject({
    code: ErrorCode.STORE_SCHEMA,
    message: expect.stringMatching(
      new RegExp(`schema version ${PG_SCHEMA_VERSION + 1}.*up to ${PG_SCHEMA_VERSION}: upgrade`),
    ),
  });
});

test("another program's tokens table is refused, not migrated over", async () => {
  const admin = await adminClient(db.name);
  await admin.query('CREATE TABLE tokens (id int)');
  await admin.end();
  await expect(open()).rejects.toMatchObject({ code: ErrorCode.STORE_SCHEMA });
});

test('migrate() under the lock is idempotent: the second call applies nothing', async () => {
  const admin = await adminClient(db.name);
  try {
    expect((await migrate(admin as never, 'a', 1, 'test')).applied).toEqual(
      PG_MIGRATIONS.map((m) => m.version),
    );
    expect((await migrate(admin as never, 'b', 2, 'test')).applied).toEqual([]);
  } finally {
    await admin.end();
  }
});

test('a registry made by the first schema is upgraded in place: its tokens keep their state and take revisions that move with every change', async () => {
  const admin = await adminClient(db.name);
  try {
    expect(
      (await migrate(admin as never, 'old', 1, 'test', PG_MIGRATIONS.slice(0, 1))).applied,
    ).toEqual([1]);
  } finally {
    await admin.end();
  }
  const first = await open();
  await importTokens(first, [hotpToken('U1', { counter: 4 })]);
  await first.close();
  const upgraded = await open();
  expect((await upgraded.schema()).version).toBe(PG_SCHEMA_VERSION);
  const revision = async () => {
    const client = await adminClient(db.name);
    try {
      return (await client.query('SELECT revision FROM tokens WHERE serial = $1', ['U1'])).rows[0]
        .revision as string;
    } finally {
      await client.end();
    }
  };
  const before = await revision();
  expect((await upgraded.get('U1'))!.counter).toBe(4);
  await upgraded.pair('U1', 'alice', { source: 'test' });
  const after = await revision();
  expect(BigInt(after)).toBeGreaterThan(BigInt(before));
});

test('a page of the listing can read the serial-order index instead of sorting', async () => {
  const store = await open();
  await importTokens(store, [hotpToken('4242'), hotpToken('100001'), hotpToken('77')]);
  expect((await store.list({ afterSerial: '77', limit: 5 })).map((t) => t.serial)).toEqual([
    '4242',
    '100001',
  ]);
  const admin = await adminClient(db.name);
  try {
    // Three rows favour a scan; with scans priced out the planner shows the index serves the order.
    await admin.query('SET enable_seqscan = off');
    const plan = await admin.query(
      `EXPLAIN SELECT * FROM tokens WHERE (length(serial), serial) > (length($1::text), $1::text)
       ORDER BY length(serial), serial LIMIT 5`,
      ['77'],
    );
    const text = plan.rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Scan using tokens_serial_order/);
    expect(text).not.toMatch(/Sort/);
  } finally {
    await admin.end();
  }
});

test('a node with another key is refused before it decrypts anything, naming both fingerprints', async () => {
  const first = await open();
  await importTokens(first, [hotpToken('K1')]);
  const fleetKey = first.keyId;
  await first.close();
  const stranger = tempDir();
  try {
    writeFileSync(join(stranger.dir, 'seed.key'), randomBytes(32), { mode: 0o600 });
    const err = await open(stranger.dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.KEY_FILE });
    expect((err as Error).message).toContain(fleetKey);
    // A node with no key file at all is told to get the fleet's, not given a fresh one.
    const bare = tempDir();
    await expect(open(bare.dir)).rejects.toThrow(/copy the fleet's key file to this node/);
    bare.cleanup();
  } finally {
    stranger.cleanup();
  }
});

test('the database never sees a seed in clear', async () => {
  const store = await open();
  await importTokens(store, [hotpToken('S1'), yubicoToken('Y1', 'dteffuje')]);
  await store.close();
  const admin = await adminClient(db.name);
  try {
    const dump = JSON.stringify(
      (await admin.query("SELECT encode(seed_ct, 'hex') AS ct, * FROM tokens")).rows,
    );
    expect(dump).not.toContain(Buffer.from(RFC_SEED).toString('hex'));
    expect(dump).not.toContain('ecde18dbe76fbd0c33330f1c354871db');
    expect(dump).not.toContain(Buffer.from(RFC_SEED).toString('base64'));
  } finally {
    await admin.end();
  }
});

test('the password reaches the server and no log line or error message', async () => {
  const sink = new PassThrough();
  let logged = '';
  sink.on('data', (d: Buffer) => (logged += d.toString()));
  const logger = createLogger({ level: 'trace', destination: sink });
  const { password } = db.cluster;
  const parsed = parseConnectionString(db.url);
  if (!parsed.ok) throw new Error(parsed.reason);
  const settings = {
    target: parsed.target,
    password,
    poolSize: 2,
    connectTimeoutMs: 2000,
    statementTimeoutMs: 2000,
    applicationName: 't',
  };
  const common = {
    keyFile: join(folder.dir, 'seed.key'),
    maxTokensPerUser: 5,
    nodeName: 't',
    logger,
  };
  const store = await PostgresTokenStore.open({ ...common, settings });
  await importTokens(store, [hotpToken('P1')]);
  await terminateSessions(db.name);
  await store.count(); // a dead pooled connection, logged and replaced
  await store.close();
  const wrong = `${password}-not`;
  const refused = await PostgresTokenStore.open({
    ...common,
    settings: { ...settings, password: wrong },
  });
  const err = await refused.count().catch((e: unknown) => e);
  expect(err).toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
  expect((err as Error).message).toMatch(/password authentication failed/);
  expect(JSON.stringify(refused.health())).toMatch(/password authentication failed/);
  await refused.close();
  await new Promise((r) => setImmediate(r));
  expect(logged).toContain('registry connected');
  for (const text of [logged, (err as Error).message, JSON.stringify(refused.health())]) {
    expect(text).not.toContain(password);
  }
});

test('every registry command takes --store postgres://...', async () => {
  const store = await open();
  await importTokens(store, [hotpToken('C1')]);
  await store.close();
  const list = await runTokenbridge(['tokens', 'list', ...storeFlags(), '--json']);
  expect(list.code).toBe(0);
  expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ serial: 'C1' })]);
  const verify = await runTokenbridge(['tokens', 'verify', 'C1', '755224', ...storeFlags()]);
  expect(verify.stdout).toMatch(/^accepted: C1 matched 0/);
  const again = await runTokenbridge(['tokens', 'verify', 'C1', '755224', ...storeFlags()]);
  expect(again.code).toBe(1);
  expect(again.stdout).toMatch(/already used/);
  const migrated = await runTokenbridge(['store', 'migrate', ...storeFlags()]);
  expect(migrated).toMatchObject({ code: 0 });
  expect(migrated.stdout).toMatch(new RegExp(`schema version ${PG_SCHEMA_VERSION}, up to date`));
});

test('a registry out of reach: commands fail with one line saying so', async () => {
  const res = await runTokenbridge([
    'tokens',
    'list',
    '--store',
    'postgres://nobody@127.0.0.1:1/none?sslmode=disable',
    '--key-file',
    join(folder.dir, 'seed.key'),
  ]);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/cannot be reached: .*ECONNREFUSED.*try again/);
});

test('store copy: a kiosk file into the fleet and a fleet snapshot back to a file, counters and audit included', async () => {
  const kioskFile = join(folder.dir, 'kiosk.sqlite');
  const local = openStore(folder.dir, {
    path: kioskFile,
    keyFile: join(folder.dir, 'seed.key'),
    nodeName: 'kiosk-9',
  });
  await importTokens(local, [hotpToken('L1', { counter: 41 }), yubicoToken('Y1', 'dteffuje')]);
  await local.pair('L1', 'alice', { source: 'test' });
  local.closeSync();

  const into = await runTokenbridge([
    'store',
    'copy',
    kioskFile,
    db.url,
    '--store-password-file',
    db.passwordFile,
    '--key-file',
    join(folder.dir, 'seed.key'),
    '--json',
  ]);
  expect(into.stderr).toBe('');
  expect(JSON.parse(into.stdout)).toMatchObject({ tokens: 2, audit: 2 });
  const fleet = await open();
  expect(await fleet.get('L1')).toMatchObject({ counter: 41, user: 'alice' });
  expect((await fleet.audit()).map((e) => [e.event, e.node])).toEqual([
    ['imported', 'kiosk-9'],
    ['paired', 'kiosk-9'],
  ]);
  // The copied seed works in the fleet: counter 41's code, then never again.
  const { TokenVerifier } = await import('../../src/tokens');
  const verifier = new TokenVerifier({ store: fleet, ...verifierSettings() });
  const { generateHotp } = await import('../../src/otp');
  const c41 = generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, 41);
  expect(await verifier.verify('L1', c41, { source: 'test' })).toMatchObject({
    status: 'accepted',
  });
  await fleet.close();

  // Copying the same tokens in again is refused whole.
  const twice = await runTokenbridge([
    'store',
    'copy',
    kioskFile,
    db.url,
    '--store-password-file',
    db.passwordFile,
    '--key-file',
    join(folder.dir, 'seed.key'),
  ]);
  expect(twice.code).toBe(1);
  expect(twice.stderr).toMatch(/already in the destination registry: nothing was copied/);

  const snapshot = join(folder.dir, 'snapshot.sqlite');
  const out = await runTokenbridge([
    'store',
    'copy',
    db.url,
    snapshot,
    '--store-password-file',
    db.passwordFile,
    '--key-file',
    join(folder.dir, 'seed.key'),
  ]);
  expect(out.stdout).toMatch(/^copied 2 tokens and 3 audit rows from postgres /);
  const back = openStore(folder.dir, { path: snapshot, keyFile: join(folder.dir, 'seed.key') });
  expect(await back.get('L1')).toMatchObject({ counter: 42, user: 'alice' });
  expect((await back.audit()).map((e) => e.event)).toEqual(['imported', 'paired', 'verified']);
  back.closeSync();
});

test("doctor checks the fleet registry: connection, TLS, schema, and the key against the fleet's", async () => {
  const store = await open();
  await store.close();
  const config = join(folder.dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      store: { url: db.url, passwordFile: db.passwordFile, keyFile: join(folder.dir, 'seed.key') },
      drivers: { enabled: ['virtual'] },
      server: { port: 0 },
    }),
  );
  const ok = await runTokenbridge(['doctor', '--json', '--config', config]);
  const checks = (
    JSON.parse(ok.stdout) as { checks: Array<{ id: string; status: string; detail: string }> }
  ).checks;
  const registry = checks.filter((c) => c.id.startsWith('registry-'));
  expect(registry.map((c) => [c.id, c.status])).toEqual([
    ['registry-connection', 'ok'],
    ['registry-tls', 'ok'],
    ['registry-schema', 'ok'],
    ['registry-key', 'ok'],
  ]);
  expect(registry.find((c) => c.id === 'registry-tls')!.detail).toMatch(/no TLS \(sslmode disable/);

  writeFileSync(join(folder.dir, 'seed.key'), randomBytes(32), { mode: 0o600 });
  const wrong = await runTokenbridge(['doctor', '--json', '--config', config]);
  expect(wrong.code).toBe(1);
  const failed = (
    JSON.parse(wrong.stdout) as { checks: Array<{ id: string; status: string; detail: string }> }
  ).checks.find((c) => c.id === 'registry-key');
  expect(failed).toMatchObject({
    status: 'fail',
    detail: expect.stringMatching(/created with key \w+, this node has key \w+/),
  });
});

test('tokens rekey on the fleet re-seals every seed in one transaction; a node with the old key is then refused', async () => {
  const store = await open();
  await importTokens(store, [hotpToken('R1'), hotpToken('R2')]);
  await store.close();
  const oldKey = readFileSync(join(folder.dir, 'seed.key'));
  const res = await runTokenbridge(['tokens', 'rekey', ...storeFlags(), '--json']);
  expect(res.stderr).toBe('');
  const moved = JSON.parse(res.stdout) as { from: string; to: string; tokens: number };
  expect(moved.tokens).toBe(2);
  const fresh = await open();
  expect(fresh.keyId).toBe(moved.to);
  expect((await fresh.load('R2'))!.secret.secret.toString('ascii')).toBe('12345678901234567890');
  expect((await fresh.audit({ event: 'rekeyed' }))[0]!.detail).toMatchObject({
    from: moved.from,
    to: moved.to,
  });
  await fresh.close();
  const stale = tempDir();
  try {
    writeFileSync(join(stale.dir, 'seed.key'), oldKey, { mode: 0o600 });
    await expect(open(stale.dir)).rejects.toMatchObject({ code: ErrorCode.KEY_FILE });
  } finally {
    stale.cleanup();
  }
});

describe('sslmode is honoured', () => {
  const urlWith = (query: string) =>
    `postgres://${db.cluster.user}@127.0.0.1:${db.cluster.port}/${db.name}?${query}`;
  const tlsOf = async (query: string) => {
    const store = await openFleetStore(urlWith(query), db.passwordFile, folder.dir);
    try {
      return (await store.check()).find((c) => c.name === 'tls')!;
    } finally {
      await store.close();
    }
  };

  test('verify-full with the CA: TLS, the certificate and the host name checked', async () => {
    const tls = await tlsOf(`sslmode=verify-full&sslrootcert=${db.cluster.caFile}`);
    expect(tls).toMatchObject({
      ok: true,
      detail: expect.stringMatching(
        /^TLS TLSv1\.3 .*the server certificate is checked \(sslmode verify-full\)/,
      ),
    });
  });

  test('require without a CA: TLS, but doctor says the certificate is not checked', async () => {
    const tls = await tlsOf('sslmode=require');
    expect(tls.detail).toMatch(/^TLS .*NOT checked \(sslmode require\): use sslmode=verify-full/);
  });

  test('prefer uses TLS when the server offers it; disable never does', async () => {
    expect((await tlsOf('sslmode=prefer')).detail).toMatch(/^TLS /);
    expect((await tlsOf('sslmode=disable')).detail).toMatch(/^no TLS/);
  });

  test('verify-full against a CA that did not sign the server certificate is refused', async () => {
    const err = await openFleetStore(
      urlWith('sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt'),
      db.passwordFile,
      folder.dir,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/^STORE_/) });
    expect((err as Error).message).toMatch(/certificate/i);
  });

  test('verify-ca without sslrootcert is refused before connecting', async () => {
    await expect(
      openFleetStore(urlWith('sslmode=verify-ca'), db.passwordFile, folder.dir),
    ).rejects.toThrow(/verify-ca needs sslrootcert/);
  });
});
