import { existsSync, watch } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { generateHotp } from '../../src/otp';
import { findSlot, parseVirtualSpec } from '../../drivers/virtual';
import { isolatedEnv, runTokenbridge, startTokenbridge } from '../helpers/cli';
import { OutputWatch } from '../helpers/output-watch';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenbridge-watch-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every command run keeps its virtual tokens' state apart, as on separate machines. */
let runs = 0;
const freshState = () => ({
  TOKENBRIDGE_VIRTUAL_STATE_DIR: path.join(dir, `state-${++runs}`),
});
const run = (args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runTokenbridge(args, { ...options, env: { ...freshState(), ...options.env } });
const start = (args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) =>
  startTokenbridge(args, { ...options, env: { ...freshState(), ...options.env } });

function hotpFor(spec: string, counter: number): string {
  const slot = findSlot(parseVirtualSpec(spec), 'hotp')!;
  return generateHotp({ secret: slot.secret, algorithm: 'sha1', digits: slot.digits }, counter);
}

/** Resolves once `file` exists: its directory is watched for it, not polled. */
function fileAppears(file: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(path.dirname(file), () => {
      if (existsSync(file)) done();
    });
    const timer = setTimeout(
      () => done(new Error(`${file} did not appear within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const done = (err?: Error) => {
      clearTimeout(timer);
      watcher.close();
      if (err) reject(err);
      else resolve();
    };
    if (existsSync(file)) done();
  });
}

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('tokenbridge devices', () => {
  test('--json lists the drivers and the virtual tokens with serial and firmware', async () => {
    const r = await run([
      'devices',
      '--json',
      '--driver',
      'virtual',
      '--virtual',
      'hotp:serial=123456',
      '--virtual',
      'yubico:serial=654321,model=neo',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      daemon: unknown;
      drivers: Array<Record<string, unknown>>;
      devices: Array<Record<string, unknown>>;
    };
    expect(out.daemon).toBeNull(); // none runs: the drivers were opened here
    expect(out.drivers).toEqual([{ name: 'virtual', available: true, hotplug: 'events' }]);
    const bySerial = new Map(out.devices.map((d) => [d.serial, d]));
    expect(bySerial.get('123456')).toMatchObject({
      driver: 'virtual',
      firmware: '5.4.3',
      access: 'shared',
      interfaceNumber: 0,
    });
    expect(bySerial.get('654321')).toMatchObject({ firmware: '3.5.0', productId: 0x0116 });
    expect(JSON.stringify(out)).not.toContain('virtual-123456'); // the bus path stays inside
  });

  test('the text form names every driver with its availability and tabulates tokens', async () => {
    const r = await run(['devices', '--virtual', 'hotp:serial=99,serial-hidden=on,model=yk4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}virtual: available$/m);
    expect(r.stdout).toMatch(/^ {2}hid: (available|unavailable: .+)$/m);
    expect(r.stdout).toMatch(/^ {2}usb: (available|unavailable: .+)$/m);
    expect(r.stdout).toMatch(/^DRIVER +MODEL +SERIAL +FIRMWARE +INTERFACE +ACCESS +ID$/m);
    expect(r.stdout).toMatch(/^virtual +YubiKey 4\/5 +hidden +4\.3\.7 +0 +shared +[0-9a-f]{16}$/m);
  });

  test.each([
    [
      ['devices', '--driver', 'floppy'],
      /--driver: entry 1: expected one of hid, usb, virtual, got "floppy"/,
    ],
    [['devices', '--virtual', 'hotp:digits=7'], /virtual spec: digits/],
    [['devices', '--frobnicate'], /unknown option/],
    [['watch', '--virtual', 'nonsense'], /virtual spec: kind/],
  ])('bad input %j exits 2 with one line', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('tokenbridge watch', () => {
  const spec = 'hotp:serial=5150,pacing=0';

  test('--json prints one object per event, driven by stdin lines; OTPs redacted', async () => {
    const r = await run(
      [
        'watch',
        '--json',
        '--driver',
        'virtual',
        '--virtual',
        spec,
        '--socket',
        path.join(dir, 'a.sock'),
      ],
      { stdin: 'press\nunplug\nplug 1\npress 1\nquit\n' },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = jsonLines(r.stdout);
    // The events as the page gets them, serials as text; quitting closes the token unwatched.
    expect(events.map((e) => e.type)).toEqual([
      'device.attached',
      'otp',
      'device.detached',
      'device.attached',
      'otp',
    ]);
    expect(events[0]).toMatchObject({
      device: { driver: 'virtual', serial: '5150', firmware: '5.4.3' },
    });
    expect(events[1]).toMatchObject({ format: 'oath-hotp', serial: '5150', otp: '******' });
    expect(r.stdout).not.toContain(hotpFor(spec, 0));
  });

  test('--reveal prints the OTPs the seed gives', async () => {
    const r = await run(
      [
        'watch',
        '--json',
        '--reveal',
        '--driver',
        'virtual',
        '--virtual',
        spec,
        '--socket',
        path.join(dir, 'b.sock'),
      ],
      { stdin: 'press\npress\nquit\n' },
    );
    expect(r.code).toBe(0);
    const otps = jsonLines(r.stdout).filter((e) => e.type === 'otp');
    expect(otps.map((e) => e.otp)).toEqual([hotpFor(spec, 0), hotpFor(spec, 1)]);
  });

  test('text lines; a bad stdin command is reported and watching goes on', async () => {
    const r = await run(
      [
        'watch',
        '--driver',
        'virtual',
        '--virtual',
        spec,
        '--virtual',
        'yubico:serial=6,pacing=0',
        '--socket',
        path.join(dir, 'c.sock'),
      ],
      { stdin: 'press 3\ndance\npress 2\nquit\n' },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/no virtual token 3/);
    expect(r.stderr).toMatch(/unknown command "dance"/);
    const otpLines = r.stdout.split('\n').filter((l) => / otp /.test(l));
    expect(otpLines).toHaveLength(1);
    expect(otpLines[0]).toMatch(/ serial 6 yubico [cbdefghijklnrtuv]+\*{32}$/);
  });

  test('SIGTERM stops it cleanly', async () => {
    const running = start(
      [
        'watch',
        '--json',
        '--driver',
        'virtual',
        '--virtual',
        spec,
        '--socket',
        path.join(dir, 'd.sock'),
      ],
      { stdin: '' },
    );
    // Watching (its signal handlers are set before the first event is printed).
    await running.stdout.until(/"type":"device.attached"/);
    process.emit('SIGTERM');
    const r = await running.result;
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).map((e) => e.type)).toEqual(['device.attached']);
  });
});

describe('tokenbridge watch on a terminal', () => {
  test('Enter presses the first token, u unplugs, p plugs back, q quits; raw mode is undone', async () => {
    const { PassThrough } = await import('node:stream');
    const { runCli } = await import('../../src/cli/program');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const rawModes: boolean[] = [];
    const stdin = Object.assign(new PassThrough(), {
      isTTY: true,
      setRawMode: (on: boolean) => rawModes.push(on),
    });
    const out = new OutputWatch(stdout);
    const err = new OutputWatch(stderr);
    const lines = (text: string, event: string) =>
      text.split('\n').filter((l) => l.includes(` ${event} `)).length;
    const until = (event: string, n: number) =>
      out.when((text) => lines(text, event) >= n, `${n} "${event.trim()}" lines`);
    const spec = 'hotp:serial=4242,pacing=0';
    const done = runCli(
      [
        'watch',
        '--reveal',
        '--driver',
        'virtual',
        '--virtual',
        spec,
        '--socket',
        path.join(dir, 'e.sock'),
      ],
      { stdout, stderr, stdin, env: isolatedEnv(freshState()) },
    );
    await until('attached', 1);
    stdin.write('\r');
    await until('otp     ', 1);
    stdin.write('u');
    await until('detached', 1);
    stdin.write('p');
    await until('attached', 2);
    stdin.write('\r');
    await until('otp     ', 2);
    stdin.write('q');
    expect(await done).toBe(0);
    expect(err.text).toMatch(
      /^keys: Enter presses the first virtual token, 2 touches it long \(slot 2\), u unplugs it, p plugs it back, q quits$/m,
    );
    expect(err.text.match(/keys:/g)).toHaveLength(1);
    expect(rawModes).toEqual([true, false]);
    const otps = out.text.split('\n').filter((l) => / otp {6}/.test(l));
    expect(otps[0]).toMatch(new RegExp(`${hotpFor(spec, 0)}$`));
    expect(otps[1]).toMatch(new RegExp(`${hotpFor(spec, 1)}$`));
  });
});

describe('tokenbridge watch and the emulator bus', () => {
  test('a token from an emulator process plugs in over --socket, types, and unplugs', async () => {
    const { PassThrough } = await import('node:stream');
    const { runCli } = await import('../../src/cli/program');
    const { connectEmulator, VirtualToken } = await import('../../drivers/virtual');
    const socket = path.join(dir, 'emu', 'bus.sock');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const stdin = new PassThrough();
    const out = new OutputWatch(stdout);
    const until = (event: string) =>
      out.when((text) => jsonLines(text).some((e) => e.type === event), `a ${event} event`);
    // Made here, so that the socket watch listens on can be waited for.
    await mkdir(path.dirname(socket), { mode: 0o700 });
    const listening = fileAppears(socket);
    const done = runCli(
      ['watch', '--json', '--reveal', '--driver', 'virtual', '--socket', socket],
      {
        stdout,
        stderr,
        stdin,
        env: isolatedEnv(freshState()),
      },
    );
    const spec = 'hotp:serial=8888,pacing=0';
    const token = new VirtualToken(parseVirtualSpec(spec));
    await listening;
    const client = await connectEmulator(socket, token);
    await until('device.attached');
    await token.press();
    await until('otp');
    await client.close();
    await until('device.detached');
    stdin.write('quit\n');
    expect(await done).toBe(0);
    const events = jsonLines(out.text);
    expect(events.map((e) => e.type)).toEqual(['device.attached', 'otp', 'device.detached']);
    expect(events[0]).toMatchObject({ device: { driver: 'virtual', serial: '8888' } });
    expect(events[1]).toMatchObject({ serial: '8888', otp: hotpFor(spec, 0) });
    expect(existsSync(socket)).toBe(false); // quitting closed the bus and removed its socket
  });
});
