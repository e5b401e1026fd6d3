import { mkdirSync, writeFileSync } from 'node:fs';
import { runTokenbridge } from '../../helpers/cli';
import { defaultConfig, leafPaths } from '../../../src/config';
import { TempFiles } from './config-fixtures';

const files = new TempFiles();
afterAll(() => files.cleanup());

/** The environment the command sees: no TOKENBRIDGE_* from the machine running the tests. */
const ENV = {
  TOKENBRIDGE_PORT: '',
  TOKENBRIDGE_CONFIG: '',
  XDG_STATE_HOME: '/state',
  XDG_RUNTIME_DIR: '/rt',
};

describe('tokenbridge config check FILE', () => {
  test('a valid file: prints "FILE: ok" and exits 0', async () => {
    const file = files.write({ server: { port: 8000 } });
    const result = await runTokenbridge(['config', 'check', file], { env: ENV });
    expect(result).toEqual({ code: 0, stdout: `${file}: ok\n`, stderr: '' });
  });

  test('--json prints the resolved configuration', async () => {
    const file = files.write({ server: { port: 8000 }, kiosk: { enabled: true } });
    const result = await runTokenbridge(['config', 'check', file, '--json'], { env: ENV });
    expect(result.code).toBe(0);
    const config = JSON.parse(result.stdout) as ReturnType<typeof defaultConfig>;
    expect(config.server.port).toBe(8000);
    expect(config.drivers.exclusive).toBe(true);
    expect(config.store.path).toBe('/state/tokenbridge/tokens.sqlite');
  });

  test('an invalid file: each problem on its own line, exit 1', async () => {
    const file = files.write({ server: { port: 'abc', allowOrigins: ['*'] }, extra: 1 });
    const result = await runTokenbridge(['config', 'check', file], { env: ENV });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n').sort()).toEqual(
      [
        `${file}: server.port: expected an integer 0..65535, got "abc"`,
        `${file}: server.allowOrigins.0: wildcards are not allowed; list each origin exactly, got "*"`,
        `${file}: extra: unknown key (expected one of: server, drivers, otp, lockout, users, store, log, enroll, kiosk)`,
      ].sort(),
    );
  });

  test('an invalid file with --json: the problems as JSON on stdout, exit 1', async () => {
    const file = files.write('{"server": {"port": 1,}}');
    const result = await runTokenbridge(['config', 'check', file, '--json'], { env: ENV });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      file,
      problems: [
        {
          source: 'file',
          where: `${file}: line 1, column 23`,
          path: '',
          message: 'not valid JSON: trailing comma before }',
        },
      ],
    });
  });

  test('the environment is checked too, as serve would see it', async () => {
    const file = files.write({});
    const result = await runTokenbridge(['config', 'check', file], {
      env: { ...ENV, TOKENBRIDGE_PORT: 'abc' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('TOKENBRIDGE_PORT: expected an integer 0..65535, got "abc"\n');
  });

  test('a missing file exits 1 naming it', async () => {
    const file = `${files.dir}/missing.json`;
    const result = await runTokenbridge(['config', 'check', file], { env: ENV });
    expect(result).toEqual({ code: 1, stdout: '', stderr: `${file}: cannot read: no such file\n` });
  });

  test('without FILE it checks the file every command reads: the user configuration, else defaults', async () => {
    const home = files.dir;
    const env = { ...ENV, HOME: home, XDG_CONFIG_HOME: `${home}/xdg` };
    const none = await runTokenbridge(['config', 'check'], { env });
    expect(none).toEqual({ code: 0, stdout: 'defaults (no configuration file): ok\n', stderr: '' });
    mkdirSync(`${home}/xdg/tokenbridge`, { recursive: true });
    writeFileSync(`${home}/xdg/tokenbridge/config.json`, JSON.stringify({ server: { port: 'x' } }));
    const bad = await runTokenbridge(['config', 'check'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      `${home}/xdg/tokenbridge/config.json: server.port: expected an integer 0..65535, got "x"\n`,
    );
  });

  test.each([
    [['config', 'check', 'a.json', '--bogus']],
    [['config', 'check', 'a.json', 'b.json']],
    [['config', 'defaults', '--nope']],
  ])('bad arguments %j exit 2 with one line', async (args) => {
    const result = await runTokenbridge(args, { env: ENV });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('tokenbridge config defaults', () => {
  test('--json prints the defaults for this environment', async () => {
    const result = await runTokenbridge(['config', 'defaults', '--json'], { env: ENV });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(JSON.stringify(defaultConfig(ENV))));
  });

  test('prints one line per key with its default', async () => {
    const result = await runTokenbridge(['config', 'defaults'], { env: ENV });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KEY\s+DEFAULT$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(leafPaths());
    expect(lines).toContainEqual(expect.stringMatching(/^server\.port\s+7343$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^drivers\.enabled\s+\["hid","usb","virtual"\]$/),
    );
  });

  test('--kiosk shows what kiosk mode changes', async () => {
    const result = await runTokenbridge(['config', 'defaults', '--kiosk', '--json'], {
      env: { ...ENV, TOKENBRIDGE_EXCLUSIVE: 'false' },
    });
    expect(result.code).toBe(0);
    const config = JSON.parse(result.stdout) as ReturnType<typeof defaultConfig>;
    expect(config.kiosk).toMatchObject({ enabled: true, pairing: false });
    expect(config.drivers.exclusive).toBe(true); // the machine's TOKENBRIDGE_* are left out
  });
});
