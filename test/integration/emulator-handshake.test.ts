import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  connectEmulator,
  findSlot,
  parseVirtualSpec,
  VirtualDriver,
  VirtualToken,
} from '../../drivers/virtual';
import { runCli } from '../../src/cli/program';
import type { OtpEvent } from '../../src/devices';
import { generateHotp } from '../../src/otp';
import { isolatedEnv } from '../helpers/cli';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { OutputWatch } from '../helpers/output-watch';

/** The first code a virtual HOTP token types. */
function firstCode(spec: string): string {
  const slot = findSlot(parseVirtualSpec(spec), 'hotp')!;
  return generateHotp({ secret: slot.secret, algorithm: 'sha1', digits: slot.digits }, 0);
}

interface EmulatorRun {
  readonly exit: Promise<number>;
  readonly stdout: OutputWatch;
  readonly stderr: OutputWatch;
  readonly stdin: PassThrough;
}

/** `tokenbridge emulate SPEC --json` in process, fed by `stdin` line by line. */
function emulate(socket: string, spec: string, extra: string[] = []): EmulatorRun {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = new OutputWatch(stdout);
  const err = new OutputWatch(stderr);
  const exit = runCli(['emulate', spec, '--socket', socket, '--json', ...extra], {
    stdin,
    stdout,
    stderr,
    env: isolatedEnv(),
  });
  void exit.finally(() => {
    out.end('emulate returned');
    err.end('emulate returned');
  });
  return { exit, stdout: out, stderr: err, stdin };
}

function events(run: EmulatorRun): string[] {
  return run.stdout.text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { event: string }).event);
}

describe('attach is a handshake: the daemon says when it hears a token', () => {
  let t: TestDaemon;
  let socket: string;
  const otps: OtpEvent[] = [];

  beforeAll(async () => {
    t = await startTestDaemon();
    socket = join(t.dir, 'emulator.sock');
    await t.virtual.listen(socket);
    t.daemon.devices.on('otp', (e) => otps.push(e));
  });
  afterAll(() => t.stop());
  beforeEach(() => {
    otps.length = 0;
  });

  test('the emulator end learns when the daemon listens, and a sync says a press was heard', async () => {
    const spec = 'hotp:serial=3001,pacing=0';
    const token = new VirtualToken(parseVirtualSpec(spec));
    const client = await connectEmulator(socket, token);
    try {
      await client.whenListening(10_000);
      expect(client.listening).toBe(true);
      // The daemon's own view agrees: the device manager has it attached.
      expect(t.daemon.devices.devices().map((d) => d.serial)).toContain(3001);
      await token.press();
      expect(await client.sync()).toBe(true);
      expect(otps.map((e) => e.otp)).toEqual([firstCode(spec)]);
      token.unplug();
      expect(client.listening).toBe(false);
      token.plug();
      expect(client.listening).toBe(false); // plugged back: it must be opened again first
      await client.whenListening(10_000);
    } finally {
      await client.close();
    }
  });

  test('a QA script that presses 0 ms after ready never loses a press (1,000 tries)', async () => {
    const TRIES = 1000;
    // Many emulators at a time, as a QA rig runs them; each presses the moment it reads ready.
    const AT_ONCE = 40;
    const lost: string[] = [];
    for (let first = 0; first < TRIES; first += AT_ONCE) {
      const batch = Array.from({ length: Math.min(AT_ONCE, TRIES - first) }, (_, i) => {
        const spec = `hotp:serial=${400_000 + first + i},pacing=0`;
        const run = emulate(socket, spec);
        const pressed = run.stdout.until(/"event":"ready"/, 15_000).then(() => {
          run.stdin.write('press\n');
          run.stdin.end();
        });
        return { spec, run, pressed };
      });
      for (const { spec, run, pressed } of batch) {
        await pressed;
        expect([spec, await run.exit, run.stderr.text]).toEqual([spec, 0, '']);
        const typed = events(run).filter((e) => e === 'typed');
        if (typed.length !== 1) lost.push(`${spec}: ${events(run).join(' ')}`);
      }
      // Every press reached the daemon, whole: its code is the token's first.
      const heard = new Map(otps.map((e) => [e.serial, e.otp]));
      for (const { spec } of batch) {
        const serial = parseVirtualSpec(spec).serial;
        if (heard.get(serial) !== firstCode(spec)) lost.push(`${spec}: the daemon heard no OTP`);
      }
      otps.length = 0;
    }
    expect(lost).toEqual([]);
  }, 300_000);
});

describe('the emulator before and after the daemon listens', () => {
  let driver: VirtualDriver;
  let socket: string;
  let dir: string;

  // A bare bus without a device manager: the test plays the host, and decides when it listens.
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tb-handshake-'));
    driver = new VirtualDriver();
    socket = join(dir, 'bus.sock');
    await driver.listen(socket);
  });
  afterEach(async () => {
    await driver.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  test('a press before the daemon opened the token is queued, said so, and typed once it listens', async () => {
    const spec = 'hotp:serial=3002,pacing=0';
    const heard: Uint8Array[] = [];
    const attached = new Promise<void>((resolve) =>
      driver.watch({ attached: () => resolve(), detached: () => undefined }),
    );
    const run = emulate(socket, spec, ['--reveal']);
    run.stdin.write('press\n');
    await run.stdout.until(/"event":"queued"/);
    await attached;
    // Only now does the host open the token and listen, as the daemon would after its scan.
    const connection = await driver.open((await driver.enumerate())[0]!);
    connection.on('input', (r) => heard.push(r));
    await run.stdout.until(/"event":"typed"/);
    run.stdin.end();
    expect(await run.exit).toBe(0);
    expect(events(run)).toEqual(['attached', 'queued', 'ready', 'typed']);
    expect(run.stdout.text).toContain(`"otp":"${firstCode(spec)}"`);
    expect(heard).toHaveLength(14);
  });

  test('a press the daemon stopped hearing halfway is reported not-heard, never typed', async () => {
    const spec = 'hotp:serial=3003,pacing=0';
    driver.watch({
      attached: (info) =>
        void driver.open(info).then((connection) => {
          // The host hears one report, then closes the token (as a session ending on an error).
          connection.on('input', () => void connection.close());
        }),
      detached: () => undefined,
    });
    const run = emulate(socket, spec);
    await run.stdout.until(/"event":"ready"/);
    run.stdin.end('press\n');
    expect(await run.exit).toBe(0);
    expect(events(run).filter((e) => e !== 'queued')).toEqual(['attached', 'ready', 'not-heard']);
  });

  test('the daemon going away ends a session whose press still waits for it', async () => {
    const run = emulate(socket, 'hotp:serial=3004,pacing=0');
    run.stdin.write('press\n');
    await run.stdout.until(/"event":"queued"/);
    await driver.dispose();
    expect(await run.exit).toBe(1);
    expect(events(run)).toEqual(['attached', 'queued', 'closed']);
    expect(run.stderr.text).toBe('');
  });
});
