import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { runTokenbridge, startTokenbridge } from '../helpers/cli';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { tempDir } from '../unit/tokens/registry-fixtures';

const SPEC = 'hotp:serial=6060,pacing=0';

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Writes `lines` to the control socket and resolves with every line the daemon sent back. */
function rawControl(socket: string, lines: string[], expect: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const peer = connect(socket, () => peer.write(lines.join('')));
    let received = '';
    peer.setEncoding('utf8');
    const done = () => {
      peer.destroy();
      resolve(received.split('\n').filter((l) => l !== ''));
    };
    peer.on('data', (d: string) => {
      received += d;
      if (received.split('\n').filter((l) => l !== '').length >= expect) done();
    });
    peer.on('error', reject);
    peer.on('close', done);
  });
}

describe('the running daemon is the one source: devices, watch and tokens verify --daemon', () => {
  let t: TestDaemon;
  let control: string;

  beforeAll(async () => {
    t = await startTestDaemon({ config: { drivers: { virtual: [SPEC] } } });
    control = t.daemon.controlSocket!;
    await t.daemon.devices.settled();
  });
  afterAll(() => t.stop());

  test('it listens in a folder only its own user may enter', () => {
    expect(control).toBe(join(t.dir, 'control.sock'));
    expect(statSync(t.dir).mode & 0o777).toBe(0o700);
    expect(statSync(control).mode & 0o777).toBe(0o600);
  });

  test("devices --json shows the daemon's tokens, serials as text, and says whose they are", async () => {
    const r = await runTokenbridge(['devices', '--json', '--control-socket', control]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.daemon).toEqual({
      pid: process.pid,
      version: expect.any(String),
      url: t.daemon.url,
    });
    expect(out.drivers).toEqual([{ name: 'virtual', available: true, hotplug: 'events' }]);
    expect(out.devices).toEqual([
      expect.objectContaining({ driver: 'virtual', serial: '6060', firmware: '5.4.3' }),
    ]);
    const text = await runTokenbridge(['devices', '--control-socket', control]);
    expect(text.stdout).toMatch(/^The running daemon \(pid \d+, http:\/\/127\.0\.0\.1:\d+\/\):$/m);
    expect(text.stdout).toMatch(/^virtual +YubiKey 4\/5 +6060 +5\.4\.3 +0 +shared +[0-9a-f]{16}$/m);
  });

  test('--virtual is refused while a daemon runs: its tokens attach with emulate', async () => {
    const r = await runTokenbridge(['devices', '--virtual', 'hotp', '--control-socket', control]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^tokenbridge: --virtual: a daemon is running .*tokenbridge emulate SPEC\n$/,
    );
  });

  test('watch sees exactly the events the page sees', async () => {
    const page = await t.connect();
    const watch = startTokenbridge(['watch', '--json', '--reveal', '--control-socket', control], {
      stdin: undefined,
    });
    await watch.stderr.until(/watching the running daemon \(pid \d+, .*\), 1 token attached/);
    const token = t.daemon.virtualTokens[0]!;
    const typed = await token.press();
    token.unplug();
    token.plug();
    const seen = [
      await page.nextEvent('otp'),
      await page.nextEvent('device.detached'),
      await page.nextEvent('device.attached'),
    ];
    await watch.stdout.when((text) => jsonLines(text).length >= 3, 'three events');
    process.emit('SIGTERM');
    const r = await watch.result;
    expect(r.code).toBe(0);
    const printed = jsonLines(r.stdout).map(({ time, ...event }) => {
      expect(typeof time).toBe('string');
      return event;
    });
    expect(printed).toEqual(seen);
    expect(seen[0]).toMatchObject({ type: 'otp', serial: '6060', otp: typed });
  });

  test('tokens verify --daemon is answered by the daemon: its registry, its lockout', async () => {
    await t.daemon.devices.settled();
    const token = t.daemon.virtualTokens[0]!;
    const typed = await token.press();
    const ok = await runTokenbridge([
      'tokens',
      'verify',
      '6060',
      typed,
      '--daemon',
      '--json',
      '--control-socket',
      control,
    ]);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'accepted', serial: '6060' });
    const again = await runTokenbridge([
      'tokens',
      'verify',
      '6060',
      typed,
      '--daemon',
      '--control-socket',
      control,
    ]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe(
      'rejected: passcode already used; 2 attempts left before a lockout\n',
    );
    const audit = await t.daemon.store.audit({ serial: '6060', limit: 10, newestFirst: true });
    expect(audit.map((e) => `${e.event} ${e.source}`).slice(0, 2)).toEqual([
      'failed cli',
      'verified cli',
    ]);
  });

  test('a malformed request gets an error reply and the connection stays; an over-long line closes it', async () => {
    const lines = await rawControl(
      control,
      ['{"id":7,"type":"frobnicate"}\n', 'not json\n', '{"id":8,"type":"devices"}\n'],
      4,
    );
    const [hello, ...replies] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(hello).toMatchObject({ type: 'hello', protocol: 1, pid: process.pid });
    expect(replies).toEqual([
      {
        id: 7,
        ok: false,
        error: { code: 'INVALID_MESSAGE', message: expect.stringMatching(/type/) },
      },
      {
        id: null,
        ok: false,
        error: { code: 'INVALID_MESSAGE', message: 'control message is not JSON' },
      },
      expect.objectContaining({ id: 8, ok: true, devices: expect.any(Array) }),
    ]);
    const cut = await rawControl(control, ['x'.repeat(5000)], 2);
    expect(JSON.parse(cut[1]!)).toMatchObject({
      ok: false,
      error: { message: 'control line longer than 4096 characters' },
    });
  });

  test('watch ends with exit 1 and one line when the daemon goes away', async () => {
    const own = await startTestDaemon();
    const watch = startTokenbridge(['watch', '--control-socket', own.daemon.controlSocket!]);
    await watch.stderr.until(/watching the running daemon/);
    await own.stop();
    const r = await watch.result;
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').slice(1)).toEqual([
      'tokenbridge: the daemon closed the control channel',
      '',
    ]);
  });
});

describe('without a running daemon', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  test('devices opens the drivers itself and says no daemon', async () => {
    const r = await runTokenbridge([
      'devices',
      '--json',
      '--driver',
      'virtual',
      '--virtual',
      SPEC,
      '--control-socket',
      join(dir, 'none.sock'),
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ daemon: null, devices: [{ serial: '6060' }] });
  });

  test('tokens verify --daemon is an error, not a quiet fallback', async () => {
    const r = await runTokenbridge([
      'tokens',
      'verify',
      '6060',
      '123456',
      '--daemon',
      '--control-socket',
      join(dir, 'none.sock'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `tokenbridge: --daemon: no daemon answers on ${join(dir, 'none.sock')}\n`,
    );
  });

  test('a daemon tightens a socket folder that others could enter', async () => {
    const folder = join(dir, 'run');
    mkdirSync(folder, { mode: 0o755 });
    chmodSync(folder, 0o755);
    const t = await startTestDaemon({
      config: { server: { controlSocket: join(folder, 'c.sock') } },
    });
    try {
      expect(statSync(folder).mode & 0o777).toBe(0o700);
      expect(t.daemon.controlSocket).toBe(join(folder, 'c.sock'));
    } finally {
      await t.stop();
    }
  });
});
