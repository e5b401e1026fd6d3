import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program';
import { isolatedEnv } from '../helpers/cli';
import { OutputWatch } from '../helpers/output-watch';
import { tempDir } from '../unit/tokens/registry-fixtures';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

/** `tokenbridge serve` in process, its stdout a terminal (or not), driven by stdin lines. */
function serve(env: NodeJS.ProcessEnv, tty: boolean) {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty });
  const stdin = new PassThrough();
  const out = new OutputWatch(stdout);
  const exit = runCli(
    [
      'serve',
      '--port',
      '0',
      '--driver',
      'virtual',
      '--virtual',
      'hotp:serial=4343,pacing=0',
      '--store',
      join(dir, 'tokens.sqlite'),
      '--key-file',
      join(dir, 'seed.key'),
      '--emulator-socket',
      join(dir, 'emulator.sock'),
      '--control-socket',
      join(dir, 'control.sock'),
    ],
    { stdout, stderr: new PassThrough(), stdin, env: isolatedEnv(env) },
  );
  void exit.finally(() => out.end('serve returned'));
  return { out, stdin, exit };
}

const NOT_SYSTEMD = { JOURNAL_STREAM: '', INVOCATION_ID: '' };

describe('tokenbridge serve on a terminal', () => {
  test('prints the page URL first, a short summary, then one human line per event', async () => {
    const { out, stdin, exit } = serve(NOT_SYSTEMD, true);
    await out.until(/^ {2}sockets .*$/m);
    const [first, ...summary] = out.text.trimEnd().split('\n');
    expect(first).toMatch(/^tokenbridge is ready: open http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(summary).toEqual([
      expect.stringMatching(/^ {2}version {2}\d+\.\d+\.\d+$/),
      '  drivers  virtual',
      '  tokens   YubiKey 4/5, serial 4343 (virtual)',
      `  sockets  control ${join(dir, 'control.sock')}, emulator ${join(dir, 'emulator.sock')}`,
    ]);
    stdin.write('press\n');
    const otp = await out.until(/^\d\d:\d\d:\d\d otp .*$/m);
    expect(otp[0]).toMatch(/^\d\d:\d\d:\d\d otp device=[0-9a-f]{16} format=oath-hotp otp=\*{6}$/);
    stdin.write('quit\n');
    expect(await exit).toBe(0);
    // Nothing of it is a JSON line; the start-up lines the summary replaces were not printed.
    expect(out.text.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
    expect(out.text).not.toMatch(/emulator bus listening|listening url=/);
  });

  test.each([
    ['under systemd (journald)', { INVOCATION_ID: '0f4c8e1a', JOURNAL_STREAM: '8:12345' }, true],
    ['to a pipe', NOT_SYSTEMD, false],
  ])('%s: JSON log lines as before', async (_name, env, tty) => {
    const { out, stdin, exit } = serve(env, tty);
    await out.until(/^tokenbridge is ready: open /m);
    stdin.write('quit\n');
    expect(await exit).toBe(0);
    const logs = out.text.split('\n').filter((l) => l.startsWith('{'));
    expect(logs.length).toBeGreaterThan(3);
    for (const line of logs) expect(JSON.parse(line)).toHaveProperty('level');
    expect(out.text).toMatch(/^virtual token attached: hotp, serial 4343$/m);
  });
});
