import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The packages a CLI run has loaded when it is done, in a fresh node (from the sources). */
function packagesLoadedBy(args: string[]): string[] {
  const script = `
    const { PassThrough } = require('node:stream');
    const { runCli } = require(${JSON.stringify(join(ROOT, 'src', 'cli', 'program.ts'))});
    const io = { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env: {} };
    runCli(${JSON.stringify(args)}, io).then(() => {
      const names = new Set();
      for (const key of Object.keys(require.cache)) {
        const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(key);
        if (m && !m[1].startsWith('@swc')) names.add(m[1]);
      }
      process.stdout.write(JSON.stringify([...names].sort()));
    });`;
  const result = spawnSync(
    process.execPath,
    ['-r', join(ROOT, 'test', 'helpers', 'swc-register.cjs'), '-e', script],
    { encoding: 'utf8', cwd: ROOT, timeout: 20_000 },
  );
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as string[];
}

describe('a command loads only what it uses', () => {
  test('tokenbridge --help loads commander alone', () => {
    expect(packagesLoadedBy(['--help'])).toEqual(['commander']);
  });

  test('otp hotp needs no SQLite, no drivers, no logger', () => {
    const loaded = packagesLoadedBy([
      'otp',
      'hotp',
      '--secret-hex',
      '00'.repeat(20),
      '--counter',
      '0',
    ]);
    for (const heavy of ['better-sqlite3', 'node-hid', 'usb', 'pino', 'ws', 'prom-client'])
      expect([heavy, loaded.includes(heavy)]).toEqual([heavy, false]);
  });
});
