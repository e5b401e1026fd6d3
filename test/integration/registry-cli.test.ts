import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateHotp } from '../../src/otp';
import { keyIdOf } from '../../src/tokens';
import { runTokenbridge } from '../helpers/cli';
import {
  hotpToken,
  importTokens,
  openStore,
  RFC_SEED,
  tempDir,
  yubicoToken,
} from '../unit/tokens/registry-fixtures';

let dir: string;
let cleanup: () => void;
let storeFlags: string[];

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  storeFlags = ['--store', join(dir, 'store.sqlite'), '--key-file', join(dir, 'keys', 'seed.key')];
  const store = openStore(dir);
  await importTokens(store, [hotpToken('H1'), hotpToken('H2'), yubicoToken('Y1', 'dteffuje')]);
  store.closeSync();
});
afterEach(() => cleanup());

const tb = (...args: string[]) => runTokenbridge(['tokens', ...args, ...storeFlags]);
const code = (counter: number) =>
  generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, counter);

describe('tokens list and show', () => {
  test('list prints a table, or the records as JSON', async () => {
    const text = await tb('list');
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^SERIAL\s+TYPE\s+DIGITS\s+STATE\s+USER/);
    expect(text.stdout).toMatch(/H1\s+hotp\s+6\s+counter 0/);
    const json = await tb('list', '--json', '--limit', '2');
    expect(JSON.parse(json.stdout).map((r: { serial: string }) => r.serial)).toEqual(['H1', 'H2']);
  });

  test('show prints the record and never a seed', async () => {
    const json = await tb('show', 'H1', '--json');
    expect(json.code).toBe(0);
    const record = JSON.parse(json.stdout);
    expect(record).toMatchObject({ serial: 'H1', kind: 'hotp', counter: 0, user: null });
    expect(Object.keys(record)).not.toContain('secret');
    expect(json.stdout + (await tb('show', 'H1')).stdout).not.toMatch(
      /12345678901234567890|3132333435/,
    );
    expect((await tb('show', 'Y1')).stdout).toMatch(/public id:\s+dteffuje/);
  });

  test('an unknown serial exits 1 with one line', async () => {
    const r = await tb('show', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('tokenbridge: no token with serial nope\n');
  });
});

describe('tokens verify and resync', () => {
  test('exit 0 when accepted, 1 with the reason when replayed', async () => {
    const ok = await tb('verify', 'H1', '755224');
    expect(ok).toMatchObject({ code: 0, stdout: 'accepted: H1 matched 0 (drift 0)\n' });
    const again = await tb('verify', 'H1', '755224', '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toEqual({
      status: 'rejected',
      serial: 'H1',
      reason: 'replayed',
      attemptsLeft: 2,
      lockedUntil: null,
    });
  });

  test('three wrong codes lock the token; locked says how long; unlock clears it', async () => {
    expect((await tb('verify', 'H1', '000000')).stdout).toMatch(
      /^rejected: wrong passcode; 2 attempts left before a lockout/,
    );
    await tb('verify', 'H1', '000000');
    expect((await tb('verify', 'H1', '000000')).stdout).toMatch(/is now locked until \d{4}-/);
    const locked = await tb('verify', 'H1', '755224');
    expect(locked.code).toBe(1);
    expect(locked.stdout).toMatch(/^locked: H1 refuses passcodes for (1m \d+s|2m 0s) more/);
    const json = JSON.parse((await tb('verify', 'H1', '755224', '--json')).stdout);
    expect(json).toMatchObject({ status: 'locked', serial: 'H1' });
    expect(json.retryAfterMs).toBeGreaterThan(0);
    expect(await tb('unlock', 'H1', '--json')).toMatchObject({ code: 0 });
    expect((await tb('verify', 'H1', '755224')).code).toBe(0);
  });

  test('an out-of-sync token asks for the next passcode; resync with both accepts', async () => {
    const far = await tb('verify', 'H1', code(40));
    expect(far.code).toBe(1);
    expect(far.stdout).toMatch(/out of sync.*tokens resync H1 OTP NEXT_OTP/);
    expect((await tb('resync', 'H1', code(40), code(42))).code).toBe(1);
    const ok = await tb('resync', 'H1', code(40), code(41), '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'accepted', matched: 41 });
    expect(JSON.parse((await tb('show', 'H1', '--json')).stdout).counter).toBe(42);
  });

  test('verify of an unknown serial exits 1', async () => {
    expect(await tb('verify', 'nope', '123456')).toMatchObject({
      code: 1,
      stderr: 'tokenbridge: no token with serial nope\n',
    });
  });
});

describe('tokens pair, unpair, delete, audit, rekey', () => {
  test('pair and unpair with --json shapes', async () => {
    expect(JSON.parse((await tb('pair', 'H1', 'alice', '--json')).stdout)).toMatchObject({
      serial: 'H1',
      user: 'alice',
    });
    expect(JSON.parse((await tb('unpair', 'H1', '--json')).stdout)).toEqual({
      serial: 'H1',
      user: 'alice',
    });
    expect((await tb('unpair', 'H1')).stdout).toBe('H1 was not paired\n');
  });

  test('delete removes the token; a second delete exits 1', async () => {
    expect(await tb('delete', 'H2', '--json')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('"deleted": true'),
    });
    expect((await tb('delete', 'H2')).code).toBe(1);
    const audit = JSON.parse((await tb('audit', '--json', '--event', 'deleted')).stdout);
    expect(audit).toMatchObject([{ event: 'deleted', serial: 'H2', source: 'cli' }]);
  });

  test('rekey moves the seeds and replaces the key file; verification still works', async () => {
    const next = randomBytes(32);
    writeFileSync(join(dir, 'next.key'), next, { mode: 0o600 });
    const r = await tb('rekey', '--new-key', join(dir, 'next.key'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ to: keyIdOf(next), tokens: 3 });
    expect(readFileSync(join(dir, 'keys', 'seed.key')).equals(next)).toBe(true);
    expect((await tb('verify', 'H1', '755224')).code).toBe(0);
  });

  test('a loose key file exits 1 with the chmod fix', async () => {
    const { chmodSync } = await import('node:fs');
    chmodSync(join(dir, 'keys', 'seed.key'), 0o644);
    const r = await tb('list');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/chmod 600 .*seed\.key\n$/);
  });
});

describe('usage errors exit 2', () => {
  test.each([
    [['list', '--limit', '0']],
    [['list', '--bogus']],
    [['verify', 'H1']],
    [['resync', 'H1', '755224']],
    [['audit', '--event', 'nope']],
    [['show']],
  ])('tokens %j', async (args) => {
    const r = await tb(...args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('--help exits 0 and names the subcommands', async () => {
    const r = await runTokenbridge(['tokens', '--help']);
    expect(r.code).toBe(0);
    for (const name of [
      'list',
      'show',
      'verify',
      'resync',
      'unlock',
      'unpair',
      'delete',
      'rekey',
    ]) {
      expect(r.stdout).toContain(name);
    }
  });
});

describe('a registry that is damaged, empty or foreign is refused at start, never served', () => {
  test('serve and the registry commands stop with one line naming the file', async () => {
    const empty = join(dir, 'empty.sqlite');
    writeFileSync(empty, '');
    const keyFlags = ['--key-file', join(dir, 'keys', 'seed.key')];
    const list = await runTokenbridge(['tokens', 'list', '--store', empty, ...keyFlags]);
    expect(list.code).toBe(1);
    expect(list.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/store .*empty\.sqlite is empty \(zero bytes\)/),
    ]);
    const serve = await runTokenbridge([
      'serve',
      '--store',
      empty,
      ...keyFlags,
      '--port',
      '0',
      '--driver',
      'virtual',
      '--emulator-socket',
      join(dir, 'emu.sock'),
    ]);
    expect(serve.code).toBe(1);
    expect(serve.stderr).toMatch(/is empty \(zero bytes\)/);
    expect(readFileSync(empty).length).toBe(0);
  });
});
