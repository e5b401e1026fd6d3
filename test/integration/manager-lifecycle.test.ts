import type { DeviceInfo, Driver, HidConnection } from '../../src/core';
import { generateHotp } from '../../src/otp';
import { decodeYubicoOtp } from '../../src/otp';
import {
  defaultAesKey,
  findSlot,
  parseVirtualSpec,
  VirtualDriver,
  VirtualToken,
} from '../../drivers/virtual';
import { ManualClock } from '../helpers/manual-clock';
import { makeManager, stopManagers } from '../unit/devices/manager-rig';

/** A driver that passes every call through and remembers the connections it handed out. */
function recording(driver: Driver, options: { watch?: boolean } = {}) {
  const connections: HidConnection[] = [];
  const wrapped: Driver = {
    name: driver.name,
    availability: () => driver.availability(),
    enumerate: () => driver.enumerate(),
    open: async (info: DeviceInfo) => {
      const c = await driver.open(info);
      connections.push(c);
      return c;
    },
    ...(options.watch === false || !driver.watch ? {} : { watch: (l) => driver.watch!(l) }),
  };
  return { driver: wrapped, connections, open: () => connections.filter((c) => !c.closed) };
}

const buses: VirtualDriver[] = [];
function bus(...specs: string[]): { bus: VirtualDriver; tokens: VirtualToken[] } {
  const driver = new VirtualDriver();
  buses.push(driver);
  const tokens = specs.map((s) => new VirtualToken(parseVirtualSpec(s)));
  for (const t of tokens) driver.attach(t);
  return { bus: driver, tokens };
}

afterEach(async () => {
  await stopManagers();
  await Promise.all(buses.splice(0).map((b) => b.dispose()));
});

function expectedHotp(token: VirtualToken, counter: number): string {
  const slot = findSlot(token.spec, 'hotp')!;
  return generateHotp({ secret: slot.secret, algorithm: 'sha1', digits: slot.digits }, counter);
}

describe('DeviceManager with virtual tokens', () => {
  test('a token plugged in is attached with its serial, firmware and model', async () => {
    const { bus: driver } = bus('hotp:serial=1234567,model=yk4');
    const { manager, log } = makeManager([driver]);
    await manager.start();
    const attached = log.of('attached');
    expect(attached).toHaveLength(1);
    expect(attached[0]).toMatchObject({
      driver: 'virtual',
      serial: 1234567,
      firmware: '4.3.7',
      model: 'YubiKey 4/5',
      vendorId: 0x1050,
      productId: 0x0401,
      access: 'shared',
      interfaceNumber: 0,
    });
    expect(attached[0]!.id).toMatch(/^[0-9a-f]{16}$/);
    expect(attached[0]!.id).not.toContain('virtual-1234567');
    expect(manager.devices()).toEqual(attached);
    expect(manager.driverStatus()).toEqual([
      { name: 'virtual', available: true, hotplug: 'events' },
    ]);
  });

  test('a press emits one otp event with the HOTP code the seed gives', async () => {
    const { bus: driver, tokens } = bus('hotp:serial=424242,counter=5,pacing=0');
    const { manager, log } = makeManager([driver]);
    await manager.start();
    await tokens[0]!.press();
    const otp = await log.waitFor('otp');
    expect(otp).toMatchObject({
      format: 'oath-hotp',
      otp: expectedHotp(tokens[0]!, 5),
      serial: 424242,
      driver: 'virtual',
      deviceId: log.of('attached')[0]!.id,
    });
    await tokens[0]!.press();
    await log.waitFor('otp', () => true, 2);
    expect(log.of('otp').map((e) => e.otp)).toEqual([
      expectedHotp(tokens[0]!, 5),
      expectedHotp(tokens[0]!, 6),
    ]);
  });

  test('an 8-digit HOTP slot with a token id gives the digits and the token id', async () => {
    const { bus: driver, tokens } = bus('hotp:serial=7050602,digits=8,token-id=on,pacing=0');
    const { manager, log } = makeManager([driver], { hotpDigits: 8 });
    await manager.start();
    await tokens[0]!.press();
    const otp = await log.waitFor('otp');
    expect(otp.otp).toBe(expectedHotp(tokens[0]!, 0));
    expect(otp.tokenId).toBe('ubhe07050602');
  });

  test('a Yubico OTP press gives the whole OTP and its public id, and it decrypts', async () => {
    const { bus: driver, tokens } = bus('yubico:serial=99,pacing=0');
    const { manager, log } = makeManager([driver]);
    await manager.start();
    const typed = await tokens[0]!.press();
    const otp = await log.waitFor('otp');
    expect(otp.format).toBe('yubico');
    expect(otp.otp).toBe(typed);
    expect(otp.publicId).toBe(typed.slice(0, typed.length - 32));
    const decoded = decodeYubicoOtp(otp.otp, defaultAesKey(99));
    expect(decoded.ok).toBe(true);
  });

  test('unplug emits detached and closes the connection; plugging back attaches again', async () => {
    const { bus: driver, tokens } = bus('hotp:pacing=0');
    const rec = recording(driver);
    const { manager, log } = makeManager([rec.driver]);
    await manager.start();
    expect(rec.open()).toHaveLength(1);
    tokens[0]!.unplug();
    const detached = await log.waitFor('detached');
    expect(detached.id).toBe(log.of('attached')[0]!.id);
    expect(rec.open()).toHaveLength(0);
    expect(manager.devices()).toEqual([]);
    tokens[0]!.plug();
    await log.waitFor('attached', () => true, 2);
    await tokens[0]!.press();
    await log.waitFor('otp');
    await manager.settled();
    // One open connection and one otp: nothing left over from before the unplug.
    expect(rec.open()).toHaveLength(1);
    expect(log.of('otp')).toHaveLength(1);
    expect(log.of('error')).toEqual([]);
  });

  test('hotplug by driver events: a token attached after start appears', async () => {
    const { bus: driver } = bus();
    const { manager, log } = makeManager([driver]);
    await manager.start();
    expect(manager.devices()).toEqual([]);
    driver.attach(new VirtualToken(parseVirtualSpec('yubico:serial=5')));
    expect((await log.waitFor('attached')).serial).toBe(5);
    driver.detach('virtual-5');
    await log.waitFor('detached');
    expect(manager.devices()).toEqual([]);
  });

  test('hotplug by polling: a driver without watch() is enumerated on a timer', async () => {
    const { bus: driver, tokens } = bus('hotp:serial=77,pacing=0');
    const rec = recording(driver, { watch: false });
    const { manager, log } = makeManager([rec.driver], { pollIntervalMs: 20 });
    await manager.start();
    expect(manager.driverStatus()[0]!.hotplug).toBe('polling');
    expect(log.of('attached')).toHaveLength(1);
    tokens[0]!.unplug();
    await log.waitFor('detached');
    const other = new VirtualToken(parseVirtualSpec('yubico:serial=78'));
    driver.attach(other);
    expect((await log.waitFor('attached', (e) => e.serial === 78)).driver).toBe('virtual');
    tokens[0]!.plug();
    await log.waitFor('attached', (e) => e.serial === 77, 2);
    expect(
      manager
        .devices()
        .map((d) => d.serial)
        .sort(),
    ).toEqual([77, 78]);
  });

  test('two tokens at once: each otp names its own device', async () => {
    const { bus: driver, tokens } = bus('hotp:serial=11,pacing=0', 'hotp:serial=22,pacing=0');
    const { manager, log } = makeManager([driver]);
    await manager.start();
    expect(manager.devices()).toHaveLength(2);
    await Promise.all(tokens.map((t) => t.press()));
    await log.waitFor('otp', () => true, 2);
    const bySerial = new Map(log.of('otp').map((e) => [e.serial, e.otp]));
    expect(bySerial.get(11)).toBe(expectedHotp(tokens[0]!, 0));
    expect(bySerial.get(22)).toBe(expectedHotp(tokens[1]!, 0));
    const ids = new Set(log.of('otp').map((e) => e.deviceId));
    expect(ids.size).toBe(2);
  });

  test('a hidden serial: attached without one, and its OTPs still arrive', async () => {
    const { bus: driver, tokens } = bus('hotp:serial=31,serial-hidden=on,pacing=0');
    const { manager, log } = makeManager([driver]);
    await manager.start();
    const [attached] = log.of('attached');
    expect(attached).toBeDefined();
    expect(attached!.serial).toBeUndefined();
    expect('serial' in attached!).toBe(false);
    await tokens[0]!.press();
    const otp = await log.waitFor('otp');
    expect(otp.serial).toBeUndefined();
    expect(otp.otp).toBe(expectedHotp(tokens[0]!, 0));
  });

  test('a blank token types nothing and emits nothing beside a working one', async () => {
    const { bus: driver, tokens } = bus('blank:serial=44', 'hotp:serial=45,pacing=0');
    const { manager, log } = makeManager([driver]);
    await manager.start();
    expect(await tokens[0]!.press()).toBe('');
    await tokens[1]!.press();
    await log.waitFor('otp');
    expect(log.of('otp').map((e) => e.serial)).toEqual([45]);
  });

  test('stop() closes every connection, emits detached for each, and is idempotent', async () => {
    const clock = new ManualClock();
    const { bus: driver } = bus('hotp:serial=1', 'yubico:serial=2');
    const rec = recording(driver);
    const { manager, log } = makeManager([rec.driver], { clock });
    await clock.runUntil(manager.start());
    expect(rec.open()).toHaveLength(2);
    await Promise.all([manager.stop(), manager.stop()]);
    await manager.stop();
    expect(rec.open()).toHaveLength(0);
    expect(log.of('detached')).toHaveLength(2);
    expect(manager.devices()).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
    // A token plugged in after stop is not picked up, however long after its hotplug event.
    driver.attach(new VirtualToken(parseVirtualSpec('hotp:serial=3')));
    await clock.advance(60_000);
    expect(log.of('attached')).toHaveLength(2);
  });

  test("a device's one session serves further commands; parallel exchanges queue", async () => {
    const { bus: driver } = bus('hotp:serial=5005');
    const rec = recording(driver);
    const { manager } = makeManager([rec.driver]);
    await manager.start();
    const [device] = manager.devices();
    const session = manager.session(device!.id)!;
    // Interleaved frames would corrupt each other on the token's one report buffer.
    const serials = await Promise.all([
      session.readSerial(),
      session.readSerial(),
      session.readSerial(),
    ]);
    expect(serials).toEqual([5005, 5005, 5005]);
    expect(rec.connections).toHaveLength(1);
    expect(manager.session('not-a-device')).toBeUndefined();
  });
});
