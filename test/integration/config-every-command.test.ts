import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateHotp } from '../../src/otp';
import { runTokenbridge } from '../helpers/cli';
import {
  hotpToken,
  importTokens,
  openStore,
  RFC_SEED,
  tempDir,
} from '../unit/tokens/registry-fixtures';

const code = (counter: number) =>
  generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, counter);

let dir: string;
let cleanup: () => void;
let store: string;
let keyFile: string;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  // openStore's layout: the registry and its key in the test's folder.
  store = join(dir, 'store.sqlite');
  keyFile = join(dir, 'keys', 'seed.key');
  const s = openStore(dir);
  await importTokens(s, [hotpToken('C1'), hotpToken('C2'), hotpToken('C3')]);
  s.closeSync();
});
afterEach(() => cleanup());

/** A configuration file naming the registry, plus `extra` keys. */
function configFile(extra: Record<string, unknown> = {}): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ store: { path: store, keyFile }, ...extra }));
  return path;
}

/** The three ways to name the registry; none of them is a --store flag. */
const WAYS: Array<[string, () => { args: string[]; env: NodeJS.ProcessEnv }]> = [
  [
    'TOKENBRIDGE_STORE',
    () => ({ args: [], env: { TOKENBRIDGE_STORE: store, TOKENBRIDGE_KEY_FILE: keyFile } }),
  ],
  ['TOKENBRIDGE_CONFIG', () => ({ args: [], env: { TOKENBRIDGE_CONFIG: configFile() } })],
  ['--config', () => ({ args: ['--config', configFile()], env: {} })],
];

describe.each(WAYS)('every registry command opens the registry named by %s', (_, way) => {
  const tb = (...args: string[]) => {
    const { args: extra, env } = way();
    return runTokenbridge(['tokens', ...args, ...extra], { env });
  };

  test('list, show, audit', async () => {
    const list = await tb('list', '--json');
    expect(JSON.parse(list.stdout).map((r: { serial: string }) => r.serial)).toEqual([
      'C1',
      'C2',
      'C3',
    ]);
    expect(JSON.parse((await tb('show', 'C2', '--json')).stdout)).toMatchObject({ serial: 'C2' });
    const audit = JSON.parse((await tb('audit', '--json', '--event', 'imported')).stdout);
    expect(audit.length).toBeGreaterThan(0);
  });

  test('verify, resync, unlock, pair, unpair, delete, rekey, import', async () => {
    expect((await tb('verify', 'C1', code(0))).code).toBe(0);
    expect((await tb('resync', 'C2', code(20), code(21))).code).toBe(0);
    expect((await tb('unlock', 'C1')).code).toBe(0);
    expect((await tb('pair', 'C3', 'dave')).code).toBe(0);
    expect((await tb('unpair', 'C3')).stdout).toBe('unpaired C3 from dave\n');
    expect((await tb('delete', 'C3')).code).toBe(0);
    const seeds = join(dir, 'seeds.csv');
    writeFileSync(seeds, `C4,${Buffer.from(RFC_SEED).toString('hex')}\n`);
    expect((await tb('import', seeds, '--type', 'hotp')).code).toBe(0);
    expect((await tb('rekey')).code).toBe(0);
    // All of it happened in the named registry.
    const s = openStore(dir);
    try {
      expect((await s.list()).map((r) => [r.serial, r.counter])).toEqual([
        ['C1', 1],
        ['C2', 22],
        ['C4', 0],
      ]);
    } finally {
      s.closeSync();
    }
  });
});

describe('tokens verify uses the configured windows and lockout, not built-in ones', () => {
  test('lockout.maxFailures: 1 locks at the first wrong code', async () => {
    const config = configFile({ lockout: { maxFailures: 1 } });
    const r = await runTokenbridge(['tokens', 'verify', 'C1', '000000', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^rejected: wrong passcode; C1 is now locked until /);
  });

  test('otp.hotpWindow: 1 does not look 5 counters ahead', async () => {
    const narrow = configFile({ otp: { hotpWindow: 1 } });
    const r = await runTokenbridge(['tokens', 'verify', 'C1', code(5), '--config', narrow]);
    expect(r.stdout).toMatch(/^not accepted yet: C1 is out of sync/);
    const wide = await runTokenbridge([
      'tokens',
      'verify',
      'C2',
      code(5),
      '--config',
      configFile(),
    ]);
    expect(wide.stdout).toMatch(/^accepted: C2 matched 5/);
  });
});

describe('the device commands read the configuration too', () => {
  const VIRTUAL = { drivers: { enabled: ['virtual'], virtual: ['hotp:serial=4321'] } };

  test.each([
    ['--config', () => ({ args: ['--config', configFile(VIRTUAL)], env: {} })],
    [
      'TOKENBRIDGE_VIRTUAL',
      () => ({
        args: [],
        env: { TOKENBRIDGE_DRIVERS: 'virtual', TOKENBRIDGE_VIRTUAL: 'hotp:serial=4321' },
      }),
    ],
  ])('devices lists the virtual token named by %s', async (_, way) => {
    const { args, env } = way();
    const r = await runTokenbridge(['devices', '--json', ...args], { env });
    expect(JSON.parse(r.stdout).devices).toEqual([expect.objectContaining({ serial: '4321' })]);
  });

  test('watch attaches the configured virtual token and quits on stdin', async () => {
    const r = await runTokenbridge(['watch', '--json', '--config', configFile(VIRTUAL)], {
      stdin: 'press\nquit\n',
    });
    expect(r.code).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(events.map((e) => e.type)).toEqual(['device.attached', 'otp']);
  });

  test('doctor checks the registry the configuration names', async () => {
    const r = await runTokenbridge(['doctor', '--json'], {
      env: {
        TOKENBRIDGE_CONFIG: configFile({ drivers: { enabled: ['virtual'] }, server: { port: 0 } }),
      },
    });
    const checks = JSON.parse(r.stdout).checks as Array<{ id: string; detail: string }>;
    expect(checks.find((c) => c.id === 'store-file')?.detail).toContain(store);
  });
});
