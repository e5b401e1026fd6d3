import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { recordingLogger, type LogEntry } from '../unit/devices/manager-rig';
import { hotpToken, importTokens } from '../unit/tokens/registry-fixtures';

const ALICE = 'alice@example.com';
const CODE = '755224'; // RFC 4226, counter 0: the right code, so only the damage can fail it

let rig: TestDaemon;
let logs: LogEntry[];
afterEach(async () => {
  await rig.stop();
});

/** Changes the registry behind the running daemon's back, through a second connection. */
function tamper(change: (db: Database.Database) => void): void {
  const db = new Database(join(rig.dir, 'tokens.sqlite'));
  try {
    change(db);
  } finally {
    db.close();
  }
}

const DAMAGE: Array<[string, string, (db: Database.Database) => void]> = [
  [
    'the registry file is damaged (SQLite reports a malformed schema)',
    'STORE_CORRUPT',
    (db) => {
      const version = db.pragma('schema_version', { simple: true }) as number;
      db.unsafeMode(true);
      db.pragma('writable_schema = ON');
      db.prepare(
        "UPDATE sqlite_schema SET sql = 'CREATE TABLE tokens (' WHERE name = 'tokens'",
      ).run();
      db.pragma(`schema_version = ${version + 1}`);
    },
  ],
  ['a table of the registry is gone', 'STORE_IO', (db) => db.exec('DROP TABLE tokens')],
  [
    'a seed is sealed under another key than the key file holds',
    'KEY_FILE',
    (db) => db.prepare("UPDATE tokens SET key_id = 'ffffffffffffffff'").run(),
  ],
  [
    'a stored seed is cut short',
    'STORE_CORRUPT',
    (db) => db.prepare("UPDATE tokens SET seed_nonce = x'00'").run(),
  ],
];

describe('a damaged registry behind a running daemon', () => {
  test.each(DAMAGE)(
    '%s: the page gets INTERNAL and nothing else; the log gets %s',
    async (_what, code, damage) => {
      const recording = recordingLogger();
      logs = recording.entries;
      rig = await startTestDaemon({ logger: recording.logger });
      await importTokens(rig.daemon.store, [hotpToken('5000001')]);
      await rig.daemon.store.pair('5000001', ALICE, { source: 'test' });
      const client = await rig.connect();
      tamper(damage);

      const reply = await client.request('signon.verify', { user: ALICE, passcode: CODE });
      expect(reply).toEqual({
        id: reply.id,
        ok: false,
        error: { code: 'INTERNAL', message: 'internal error' },
      });
      const failures = logs.filter((e) => e.msg === 'request failed inside the daemon');
      expect(failures).toHaveLength(1);
      expect(failures[0]!.obj).toMatchObject({ type: 'signon.verify', code });
      // The operator's log carries the details the page never sees; neither carries the passcode.
      expect(JSON.stringify(logs)).not.toContain(CODE);
      expect(await client.request('ping')).toMatchObject({ ok: true, pong: true });
    },
  );

  test('the page never sees a path: the details are in the log only', async () => {
    const recording = recordingLogger();
    logs = recording.entries;
    rig = await startTestDaemon({ logger: recording.logger });
    await importTokens(rig.daemon.store, [hotpToken('5000001')]);
    await rig.daemon.store.pair('5000001', ALICE, { source: 'test' });
    const client = await rig.connect();
    tamper((db) => db.exec('DROP TABLE tokens'));

    const reply = await client.request('signon.verify', { user: ALICE, passcode: CODE });
    expect(JSON.stringify(reply)).not.toContain(rig.dir);
    expect(JSON.stringify(reply)).not.toMatch(/SQLITE|sqlite/);
    const failure = logs.find((e) => e.msg === 'request failed inside the daemon');
    expect(JSON.stringify(failure?.obj)).toContain(join(rig.dir, 'tokens.sqlite'));
    expect(JSON.stringify(failure?.obj)).toContain('SQLITE_ERROR');
  });
});
