import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUS_PROTOCOL_VERSION,
  connectEmulator,
  type EmulatorClient,
  parseVirtualSpec,
  VirtualDriver,
  VirtualToken,
} from '../../drivers/virtual';
import { type DeviceInfo, toHex } from '../../src/core';
import { RFC4226_SECRET_HEX } from '../vectors/virtual';
import { sendAndReceive } from '../unit/virtual/wire-host';

/** Resolves with the next hotplug event of the driver. */
function nextHotplug(driver: VirtualDriver): Promise<string> {
  return new Promise((resolve) => {
    const off = driver.watch({
      attached: (info: DeviceInfo) => {
        off();
        resolve(`attached ${info.path}`);
      },
      detached: (path: string) => {
        off();
        resolve(`detached ${path}`);
      },
    });
  });
}

function portOf(c: {
  sendFeatureReport(r: Uint8Array): Promise<void>;
  getFeatureReport(): Promise<Uint8Array>;
}) {
  return {
    setFeatureReport: (r: Uint8Array) => c.sendFeatureReport(r),
    getFeatureReport: () => c.getFeatureReport(),
  };
}

/** A raw peer that speaks whatever it is told to and reports what the daemon answered. */
function rawPeer(socketPath: string, lines: string[]): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = connect(socketPath, () => socket.write(lines.join('')));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
  });
}

const HELLO = (id: string) =>
  JSON.stringify({
    type: 'hello',
    protocol: BUS_PROTOCOL_VERSION,
    device: { id, vendorId: 0x1050, productId: 0x0407, model: 'YubiKey 4/5' },
    plugged: true,
  }) + '\n';

describe('emulator bus', () => {
  let dir: string;
  let socketPath: string;
  let driver: VirtualDriver;
  const clients: EmulatorClient[] = [];
  const tokens: VirtualToken[] = [];

  function emulatedToken(spec: string): VirtualToken {
    const token = new VirtualToken(parseVirtualSpec(spec), { writeBusyReads: 1 });
    tokens.push(token);
    return token;
  }

  async function emulate(token: VirtualToken): Promise<EmulatorClient> {
    const attached = nextHotplug(driver);
    const client = await connectEmulator(socketPath, token);
    clients.push(client);
    expect(await attached).toBe(`attached ${token.id}`);
    return client;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tb-emu-'));
    socketPath = join(dir, 'run', 'emulator.sock');
    driver = new VirtualDriver();
    await driver.listen(socketPath, { requestTimeoutMs: 500 });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    for (const t of tokens.splice(0)) t.unplug();
    await driver.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  test('creates a private directory and socket', async () => {
    expect((await stat(join(dir, 'run'))).mode & 0o777).toBe(0o700);
    expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
  });

  test('an emulated token is enumerated, answers feature reports and types through the socket', async () => {
    const token = emulatedToken(`yubikey:serial=123456,secret=${RFC4226_SECRET_HEX},pacing=0`);
    await emulate(token);
    const infos = await driver.enumerate();
    expect(infos).toEqual([
      expect.objectContaining({ driver: 'virtual', path: 'virtual-123456', productId: 0x0407 }),
    ]);
    expect(driver.tokens()).toEqual([]); // a proxy, not an in-process token
    const connection = await driver.open(infos[0]!);
    const serial = await sendAndReceive(portOf(connection), 0x10);
    expect(serial && toHex(serial.subarray(0, 4))).toBe('0001e240');

    const input: string[] = [];
    const done = new Promise<void>((resolve) =>
      connection.on('input', (r) => {
        input.push(toHex(r));
        if (input.length === 14) resolve();
      }),
    );
    expect(await token.press(2)).toBe('755224');
    await done;
    expect(input[0]).toBe('0000240000000000');
    expect(input[12]).toBe('0000280000000000');
    await connection.close();
  });

  test('unplug and plug in the emulator reach the daemon; a disconnect detaches', async () => {
    const token = emulatedToken('hotp:pacing=0');
    const client = await emulate(token);
    const connection = await driver.open((await driver.enumerate())[0]!);
    const failed = new Promise<string>((resolve) => connection.on('error', (e) => resolve(e.code)));
    let event = nextHotplug(driver);
    token.unplug();
    expect(await event).toBe('detached virtual-7050602');
    expect(await failed).toBe('DEVICE_GONE');
    expect(connection.closed).toBe(true);
    event = nextHotplug(driver);
    token.plug();
    expect(await event).toBe('attached virtual-7050602');
    event = nextHotplug(driver);
    await client.close();
    expect(await event).toBe('detached virtual-7050602');
    expect(await driver.enumerate()).toEqual([]);
  });

  test('errors and faults of the emulated token cross the bus', async () => {
    const token = emulatedToken('hotp');
    await emulate(token);
    const connection = await driver.open((await driver.enumerate())[0]!);
    await expect(connection.sendFeatureReport(new Uint8Array(9))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    token.injectFault({ kind: 'stall', ms: 60_000 });
    await expect(connection.getFeatureReport()).rejects.toMatchObject({
      code: 'DEVICE_IO',
      message: expect.stringContaining('did not answer'),
    });
    token.clearFaults();
    token.injectFault({ kind: 'unplug-mid-transfer', afterReports: 0 });
    await expect(connection.getFeatureReport()).rejects.toMatchObject({ code: 'DEVICE_GONE' });
  });

  test('a garbage line drops that peer only; the daemon keeps serving', async () => {
    const answer = await rawPeer(socketPath, [HELLO('virtual-1'), 'this is not json\n']);
    expect(answer).toContain('"type":"refused"');
    expect(answer).toContain('not JSON');
    const overlong = await rawPeer(socketPath, ['x'.repeat(10_000)]);
    expect(overlong).toContain('longer than');
    const early = await rawPeer(socketPath, ['{"type":"plug","plugged":true}\n']);
    expect(early).toContain('before hello');
    const badHello = await rawPeer(socketPath, [
      `{"type":"hello","protocol":${BUS_PROTOCOL_VERSION},"device":{"id":"../x"}}\n`,
    ]);
    expect(badHello).toContain('device.id');
    expect(await driver.enumerate()).toEqual([]);
    await emulate(emulatedToken('hotp'));
    expect(await driver.enumerate()).toHaveLength(1);
  });

  test('a second emulator with the same token id is refused', async () => {
    await emulate(emulatedToken('hotp'));
    await expect(connectEmulator(socketPath, emulatedToken('hotp'))).rejects.toThrow(
      /refused the token: .*already attached/,
    );
    expect(await driver.enumerate()).toHaveLength(1);
  });

  test('connecting where nobody listens fails with EMULATOR_BUS', async () => {
    await expect(
      connectEmulator(join(dir, 'nobody.sock'), emulatedToken('hotp')),
    ).rejects.toMatchObject({
      code: 'EMULATOR_BUS',
      message: expect.stringContaining('no daemon is listening'),
    });
  });

  test('a live daemon on the path is refused; a stale socket file is replaced', async () => {
    const other = new VirtualDriver();
    await expect(other.listen(socketPath)).rejects.toThrow(/another daemon is listening/);
    const notSocket = join(dir, 'file.sock');
    await writeFile(notSocket, 'x');
    await expect(other.listen(notSocket)).rejects.toThrow(/not a socket/);

    const stalePath = join(dir, 'stale.sock');
    await leaveStaleSocket(stalePath);
    await other.listen(stalePath);
    expect(other.socketPath).toBe(stalePath);
    await other.dispose();
  });
});

/** A process that listens on the path and is killed, leaving its socket file behind. */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  expect((await stat(path)).isSocket()).toBe(true);
}
