import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../../drivers/virtual';
import { type DeviceInfo, DeviceError, fromHex, toHex } from '../../../src/core';
import { RFC4226_SECRET_HEX, SERIAL_READ_EXAMPLE } from '../../vectors/virtual';
import { sendAndReceive } from './wire-host';

function hotplugLog(driver: VirtualDriver): string[] {
  const events: string[] = [];
  driver.watch({
    attached: (info) => events.push(`attached ${info.path}`),
    detached: (path) => events.push(`detached ${path}`),
  });
  return events;
}

function makeToken(spec = `hotp:secret=${RFC4226_SECRET_HEX},pacing=0`): VirtualToken {
  return new VirtualToken(parseVirtualSpec(spec));
}

describe('VirtualDriver', () => {
  let driver: VirtualDriver;
  beforeEach(() => {
    driver = new VirtualDriver();
  });
  afterEach(async () => {
    await driver.dispose();
  });

  test('is always available and enumerates attached, plugged tokens', async () => {
    expect(await driver.availability()).toEqual({ available: true });
    expect(await driver.enumerate()).toEqual([]);
    const token = makeToken('yubikey:serial=123456,pid=0405');
    driver.attach(token);
    expect(await driver.enumerate()).toEqual<DeviceInfo[]>([
      {
        driver: 'virtual',
        path: 'virtual-123456',
        vendorId: 0x1050,
        productId: 0x0405,
        model: 'YubiKey 4/5',
        interfaceNumber: 0,
        access: 'shared',
      },
    ]);
    expect(driver.tokens()).toEqual([token]);
    token.unplug();
    expect(await driver.enumerate()).toEqual([]);
  });

  test('watch reports attach, unplug, plug and detach', () => {
    const events = hotplugLog(driver);
    const token = makeToken();
    driver.attach(token);
    token.unplug();
    token.plug();
    driver.detach(token.id);
    token.unplug(); // no longer on this bus: nothing reported
    expect(events).toEqual([
      'attached virtual-7050602',
      'detached virtual-7050602',
      'attached virtual-7050602',
      'detached virtual-7050602',
    ]);
    expect(driver.tokens()).toEqual([]);
  });

  test('a second token with the same id is refused', () => {
    driver.attach(makeToken());
    expect(() => driver.attach(makeToken())).toThrow(/already attached/);
  });

  test('a connection carries feature reports and input reports', async () => {
    const token = makeToken();
    driver.attach(token);
    const [info] = await driver.enumerate();
    const connection = await driver.open(info!);
    for (const hex of SERIAL_READ_EXAMPLE.hostWrites) {
      await connection.sendFeatureReport(fromHex(hex));
    }
    const response = await sendAndReceive(portOf(connection), 0x10);
    expect(response && toHex(response.subarray(0, 4))).toBe('006b956a');
    const input: string[] = [];
    connection.on('input', (r) => input.push(toHex(r)));
    await token.press();
    expect(input).toHaveLength(14);
    expect(input[0]).toBe('0000240000000000');
    await connection.close();
  });

  test.each([
    ['unplugged', (d: VirtualDriver, t: VirtualToken) => t.unplug()],
    ['detached', (d: VirtualDriver, t: VirtualToken) => d.detach(t.id)],
  ])(
    'an open connection fails with DEVICE_GONE then closes when the token is %s',
    async (_, remove) => {
      const token = makeToken();
      driver.attach(token);
      const connection = await driver.open((await driver.enumerate())[0]!);
      const seen: string[] = [];
      connection.on('error', (err) => seen.push(`error ${err.code}`));
      connection.on('close', () => seen.push('close'));
      remove(driver, token);
      expect(seen).toEqual(['error DEVICE_GONE', 'close']);
      expect(connection.closed).toBe(true);
      await expect(connection.getFeatureReport()).rejects.toMatchObject({ code: 'DEVICE_CLOSED' });
    },
  );

  test('close() is idempotent, emits close once and stops input', async () => {
    const token = makeToken();
    driver.attach(token);
    const connection = await driver.open((await driver.enumerate())[0]!);
    let closes = 0;
    let inputs = 0;
    connection.on('close', () => closes++);
    connection.on('input', () => inputs++);
    await connection.close();
    await connection.close();
    await token.press();
    expect(closes).toBe(1);
    expect(inputs).toBe(0);
    await expect(connection.sendFeatureReport(new Uint8Array(8))).rejects.toBeInstanceOf(
      DeviceError,
    );
  });

  test('opening a token that is not attached or unplugged fails with DEVICE_NOT_FOUND', async () => {
    const token = makeToken();
    driver.attach(token);
    const info = (await driver.enumerate())[0]!;
    token.unplug();
    await expect(driver.open(info)).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    await expect(driver.open({ ...info, path: 'virtual-1' })).rejects.toMatchObject({
      code: 'DEVICE_NOT_FOUND',
    });
  });

  test('dispose closes connections and detaches every token', async () => {
    const token = makeToken();
    driver.attach(token);
    const events = hotplugLog(driver);
    const connection = await driver.open((await driver.enumerate())[0]!);
    await driver.dispose();
    expect(connection.closed).toBe(true);
    expect(events).toEqual(['detached virtual-7050602']);
    expect(await driver.enumerate()).toEqual([]);
  });
});

describe('VirtualDriver: the attach handshake', () => {
  let driver: VirtualDriver;
  beforeEach(() => {
    driver = new VirtualDriver();
  });
  afterEach(async () => {
    await driver.dispose();
  });

  /** What a host does: open the token and subscribe to its keyboard reports. */
  async function listen(): Promise<{ close(): Promise<void>; unsubscribe(): void }> {
    const connection = await driver.open((await driver.enumerate())[0]!);
    const unsubscribe = connection.on('input', () => undefined);
    return { close: () => connection.close(), unsubscribe };
  }

  test('attach resolves only once a host has opened the token and listens to its input', async () => {
    const token = makeToken();
    let heard = false;
    const attached = driver.attach(token).then(() => (heard = true));
    const connection = await driver.open((await driver.enumerate())[0]!);
    await Promise.resolve();
    expect(heard).toBe(false); // opened, but nobody listens to the keystrokes yet
    expect(driver.isListening(token.id)).toBe(false);
    connection.on('input', () => undefined);
    await attached;
    expect(driver.isListening(token.id)).toBe(true);
  });

  test('listening follows the host: unsubscribing, closing and unplugging end it', async () => {
    const token = makeToken();
    void driver.attach(token);
    const changes: string[] = [];
    driver.onListening(token.id, (on, detached) =>
      changes.push(`${on}${detached ? ' detached' : ''}`),
    );
    const a = await listen();
    a.unsubscribe();
    const b = await listen();
    await b.close();
    await listen();
    token.unplug();
    expect(changes).toEqual(['true', 'false', 'true', 'false', 'true', 'false']);
    token.plug();
    const again = driver.listening(token.id);
    await listen();
    await again;
    driver.detach(token.id);
    expect(changes.slice(6)).toEqual(['true', 'false detached']);
  });

  test('attach rejects with DEVICE_GONE when the token is detached before anyone listened', async () => {
    const token = makeToken();
    const attached = driver.attach(token);
    driver.detach(token.id);
    await expect(attached).rejects.toMatchObject({ code: 'DEVICE_GONE' });
    await expect(driver.listening('virtual-1')).rejects.toMatchObject({ code: 'DEVICE_GONE' });
  });

  test('a caller that never waits leaves no unhandled rejection behind', async () => {
    const token = makeToken();
    void driver.attach(token);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      driver.detach(token.id);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

/** A HidConnection speaks sendFeatureReport; the test host speaks the token's names. */
function portOf(connection: {
  sendFeatureReport(r: Uint8Array): Promise<void>;
  getFeatureReport(): Promise<Uint8Array>;
}) {
  return {
    setFeatureReport: (r: Uint8Array) => connection.sendFeatureReport(r),
    getFeatureReport: () => connection.getFeatureReport(),
  };
}
