import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { VirtualDriver } from '../../drivers/virtual';
import { toHex } from '../../src/core';
import { runCli } from '../../src/cli/program';
import { isolatedEnv, runTokenbridge } from '../helpers/cli';
import { RFC4226_SECRET_HEX } from '../vectors/virtual';

describe('tokenbridge emulate', () => {
  let dir: string;
  let socketPath: string;
  let driver: VirtualDriver;
  let seen: { events: string[]; input: string[] };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tb-emucli-'));
    socketPath = join(dir, 'emulator.sock');
    driver = new VirtualDriver();
    seen = observe();
    await driver.listen(socketPath);
  });

  afterEach(async () => {
    await driver.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  /** Each test's tokens keep their state in its own folder, as separate machines would. */
  const stateEnv = () => ({ TOKENBRIDGE_VIRTUAL_STATE_DIR: join(dir, 'state') });
  const emulate = (args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) =>
    runTokenbridge(args, { ...options, env: { ...stateEnv(), ...options.env } });

  /**
   * A host on the driver, as the daemon's device manager is: it opens each token as it attaches and
   * listens to its keyboard reports (which is what lets the emulator say ready). Records hotplug
   * events and the reports it heard.
   */
  function observe(): { events: string[]; input: string[] } {
    const events: string[] = [];
    const input: string[] = [];
    driver.watch({
      attached: (info) => {
        events.push(`attached ${info.path}`);
        void driver.open(info).then((connection) => {
          connection.on('input', (r) => input.push(toHex(r)));
        });
      },
      detached: (path) => events.push(`detached ${path}`),
    });
    return { events, input };
  }

  test('drives a token from lines: press, unplug, plug, press 2, quit', async () => {
    const result = await emulate(
      ['emulate', `hotp:secret=${RFC4226_SECRET_HEX},pacing=0`, '--socket', socketPath],
      { stdin: 'press\nunplug\nplug\npress 2\nquit\npress\n' },
    );
    expect(result.code).toBe(0);
    const queued = (slot: number) =>
      `press ${slot} queued: it goes through once the daemon has opened virtual-7050602`;
    const ready = 'ready: the daemon has opened virtual-7050602 and hears it';
    // Whether a press had to wait depends on how soon the host opened the token.
    expect(result.stdout.split('\n').filter((l) => l !== queued(1))).toEqual([
      `emulating virtual-7050602 (YubiKey 4/5) on ${socketPath}`,
      ready,
      'slot 1: typed ******',
      'unplugged',
      'plugged',
      queued(2),
      ready,
      '',
    ]);
    // A one-slot token has no slot 2: an error, not an empty OTP.
    expect(result.stderr).toBe(
      'tokenbridge: press 2: slot 2 of virtual-7050602 is not programmed: it types nothing\n',
    );
    expect(seen.input).toHaveLength(14);
    expect(seen.input[0]).toBe('0000240000000000'); // '7' of 755224
    expect(seen.events).toEqual([
      'attached virtual-7050602',
      'detached virtual-7050602',
      'attached virtual-7050602',
      'detached virtual-7050602',
    ]);
    expect(await driver.enumerate()).toEqual([]);
  });

  test('--reveal --json prints the OTP as JSON lines; end of input quits', async () => {
    const result = await emulate(
      [
        'emulate',
        `hotp:secret=${RFC4226_SECRET_HEX},pacing=0,counter=1`,
        '--socket',
        socketPath,
        '--reveal',
        '--json',
      ],
      { stdin: 'press 1\nwiggle\n' },
    );
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const names = events.map((e) => e.event).filter((e) => e !== 'queued');
    expect(names).toEqual(['attached', 'ready', 'typed']);
    expect(events.at(-1)).toEqual({ event: 'typed', slot: 1, otp: '287082' });
    expect(result.stderr).toBe('tokenbridge: unknown emulator command "wiggle"\n');
  });

  test('a token keeps its counter across emulate runs, as a key does; --fresh starts it over', async () => {
    const run = async (...flags: string[]) => {
      const args = [
        'emulate',
        `hotp:secret=${RFC4226_SECRET_HEX},pacing=0`,
        '--socket',
        socketPath,
      ];
      const result = await emulate([...args, '--reveal', ...flags], { stdin: 'press\n' });
      expect(result.stderr).toBe('');
      return result.stdout.split('\n').filter((l) => l.startsWith('slot 1: typed'));
    };
    expect(await run()).toEqual(['slot 1: typed 755224']);
    expect(await run()).toEqual(['slot 1: typed 287082']);
    expect(await run('--fresh')).toEqual(['slot 1: typed 755224']);
    expect(await run()).toEqual(['slot 1: typed 287082']);
  });

  test('pressing an unplugged token reports it and carries on', async () => {
    const result = await emulate(['emulate', 'yubico:pacing=0', '--socket', socketPath], {
      stdin: 'unplug\npress\nplug\npress\n',
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('tokenbridge: press 1: virtual-7050602 was unplugged\n');
    expect(result.stdout).toMatch(/slot 1: typed vvcccchnkghl\*{32}\n$/);
  });

  test('a bad spec exits 2 with one line', async () => {
    const result = await emulate(['emulate', 'hotp:digits=7', '--socket', socketPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('tokenbridge: virtual spec: digits: expected 6 or 8, got "7"\n');
  });

  test('no daemon listening exits 1 with one line', async () => {
    const result = await emulate(['emulate', 'hotp', '--socket', join(dir, 'none.sock')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^tokenbridge: no daemon is listening on .*none\.sock \(ENOENT\)\n$/,
    );
  });

  test('the default socket comes from the runtime directory', async () => {
    const result = await emulate(['emulate', 'hotp'], {
      env: { XDG_RUNTIME_DIR: dir, RUNTIME_DIRECTORY: '' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(join(dir, 'tokenbridge', 'emulator.sock'));
  });

  test('the daemon going away ends the session with exit 1', async () => {
    const stdin = new PassThrough(); // left open: only the daemon can end this session
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    const attached = new Promise<void>((resolve) =>
      driver.watch({ attached: () => resolve(), detached: () => undefined }),
    );
    const exit = runCli(['emulate', 'hotp', '--socket', socketPath], {
      stdin,
      stdout,
      stderr,
      env: isolatedEnv(stateEnv()),
    });
    await attached;
    await driver.dispose();
    expect(await exit).toBe(1);
    expect(out).toMatch(/daemon closed the connection/);
    expect(err).toBe('');
    stdin.end();
  });

  test('in a terminal, keys drive the token in raw mode', async () => {
    const rawModes: boolean[] = [];
    const stdin = Object.assign(new PassThrough(), {
      isTTY: true,
      setRawMode: (on: boolean) => rawModes.push(on),
    });
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exit = runCli(
      ['emulate', `hotp:secret=${RFC4226_SECRET_HEX},pacing=0`, '--socket', socketPath, '--reveal'],
      { stdin, stdout, stderr: new PassThrough(), env: isolatedEnv(stateEnv()) },
    );
    stdin.write('\rux'); // press, unplug, an unbound key
    stdin.write('pq');
    expect(await exit).toBe(0);
    expect(rawModes).toEqual([true, false]);
    const lines = out.split('\n').slice(1);
    expect(lines.filter((l) => !l.startsWith('press 1 queued'))).toEqual([
      'Enter: press slot 1, 2: press slot 2, u: unplug, p: plug, q: quit',
      'ready: the daemon has opened virtual-7050602 and hears it',
      'slot 1: typed 755224',
      'unplugged',
      'plugged',
      '',
    ]);
    expect(seen.input).toHaveLength(14);
  });
});
