import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import { deviceId } from '../../src/core';
import { HidDriver } from '../../drivers/hid';
import { UsbDriver } from '../../drivers/usb';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../drivers/virtual';
import { FakeNodeHid } from '../fakes/fake-node-hid';
import { FakeUsb } from '../fakes/fake-usb';
import { DEFAULT_OTP_KEY_TIMEOUT_MS } from '../../src/yubikey';
import { ManualClock } from '../helpers/manual-clock';
import { makeManager, stopManagers } from '../unit/devices/manager-rig';

let sysfs: string;
const HIDRAW = '/dev/hidraw5';
const LOCATION = 'usb:3-1.4';

beforeAll(async () => {
  // A sysfs tree in which hidraw5 is interface 0 of the device in bus 3, port 1.4.
  sysfs = await mkdtemp(path.join(tmpdir(), 'tokenbridge-manager-sysfs-'));
  const usbDevice = path.join(sysfs, 'sys/devices/pci0000:00/0000:00:14.0/usb3/3-1/3-1.4');
  const hidDevice = path.join(usbDevice, '3-1.4:1.0/0003:1050:0407.0005');
  await mkdir(hidDevice, { recursive: true });
  await writeFile(path.join(usbDevice, 'busnum'), '3\n');
  await writeFile(path.join(usbDevice, 'devpath'), '1.4\n');
  await mkdir(path.join(sysfs, 'sys/class/hidraw/hidraw5'), { recursive: true });
  await symlink(hidDevice, path.join(sysfs, 'sys/class/hidraw/hidraw5/device'));
});

afterAll(async () => {
  await rm(sysfs, { recursive: true, force: true });
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await stopManagers();
  for (const c of cleanups.splice(0)) await c();
});

function key(spec = 'hotp:serial=8080,pacing=0'): VirtualToken {
  return new VirtualToken(parseVirtualSpec(spec));
}

function hidOver(token: VirtualToken, options: { path?: string } = {}) {
  const fake = new FakeNodeHid();
  fake.attach(token, { withFido: true, ...options });
  const driver = new HidDriver({ loadNodeHid: () => fake, platform: 'linux', sysfsRoot: sysfs });
  return { fake, driver };
}

function usbOver(token: VirtualToken) {
  const fake = new FakeUsb();
  const device = fake.attach(token, { bus: 3, ports: [1, 4] });
  const driver = new UsbDriver({
    loadUsb: () => fake,
    exclusive: true,
    usbBusPresent: () => true,
    pollTimeoutMs: 40,
    exitSignal: new EventEmitter(),
  });
  cleanups.push(() => driver.dispose());
  return { fake, device, driver };
}

describe('one key seen through two drivers appears once', () => {
  test('matched by serial (virtual has no location): the hid interface is used', async () => {
    const token = key();
    const virtual = new VirtualDriver();
    virtual.attach(token);
    cleanups.push(() => virtual.dispose());
    const hid = hidOver(token);
    const clock = new ManualClock();
    const { manager, log } = makeManager([virtual, hid.driver], { clock });
    await clock.runUntil(manager.start());
    expect(manager.devices()).toEqual([
      expect.objectContaining({ driver: 'hid', serial: 8080, access: 'shared' }),
    ]);
    expect(hid.fake.openHandles()).toBe(1);
    await token.press();
    await log.waitFor('otp');
    // A second interface would have typed by now, even one whose OTP waited for its timeout.
    await clock.advance(DEFAULT_OTP_KEY_TIMEOUT_MS + 1);
    expect(log.of('otp')).toEqual([expect.objectContaining({ driver: 'hid', serial: 8080 })]);
    await manager.stop();
    expect(hid.fake.openHandles()).toBe(0);
  });

  test('matched by location, exclusive mode: the claimed usb interface wins', async () => {
    const token = key();
    const hid = hidOver(token, { path: HIDRAW });
    const usb = usbOver(token);
    const { manager, log } = makeManager([hid.driver, usb.driver], { exclusive: true });
    await manager.start();
    await manager.settled();
    expect(manager.devices()).toEqual([
      expect.objectContaining({
        driver: 'usb',
        access: 'exclusive',
        serial: 8080,
        id: deviceId('location', LOCATION),
      }),
    ]);
    expect(hid.fake.openHandles()).toBe(0);
    await token.press();
    expect((await log.waitFor('otp')).driver).toBe('usb');
    // Claimed: the keystrokes did not reach the desktop.
    expect(usb.fake.keystrokesToHost).toEqual([]);
  });

  test('matched by location, shared mode: the hid interface wins and usb is left alone', async () => {
    const token = key();
    const hid = hidOver(token, { path: HIDRAW });
    const usb = usbOver(token);
    const { manager, log } = makeManager([hid.driver, usb.driver], { exclusive: false });
    await manager.start();
    await manager.settled();
    expect(manager.devices()).toEqual([
      expect.objectContaining({ driver: 'hid', id: deviceId('location', LOCATION) }),
    ]);
    expect(usb.device.calls).not.toContain('claimInterface(0)');
    await token.press();
    expect((await log.waitFor('otp')).driver).toBe('hid');
    expect(log.of('otp')).toHaveLength(1);
  });

  test('exclusive mode: a claimable interface appearing later takes over, keeping the id', async () => {
    const token = key();
    const hid = hidOver(token, { path: HIDRAW });
    const fakeUsb = new FakeUsb();
    const usbDriver = new UsbDriver({
      loadUsb: () => fakeUsb,
      exclusive: true,
      usbBusPresent: () => true,
      pollTimeoutMs: 40,
      exitSignal: new EventEmitter(),
    });
    cleanups.push(() => usbDriver.dispose());
    const { manager, log } = makeManager([hid.driver, usbDriver], { exclusive: true });
    await manager.start();
    expect(manager.devices().map((d) => d.driver)).toEqual(['hid']);
    fakeUsb.attach(token, { bus: 3, ports: [1, 4] });
    await log.waitFor('attached', (e) => e.driver === 'usb');
    expect(log.all.map((e) => e.type)).toEqual(['attached', 'detached', 'attached']);
    expect(new Set(log.of('attached').map((e) => e.id))).toEqual(
      new Set([deviceId('location', LOCATION)]),
    );
    expect(hid.fake.openHandles()).toBe(0);
    await token.press();
    expect((await log.waitFor('otp')).driver).toBe('usb');
  });

  test('two different keys through two drivers are both attached', async () => {
    const a = key('hotp:serial=1001,pacing=0');
    const b = key('hotp:serial=1002,pacing=0');
    const virtual = new VirtualDriver();
    virtual.attach(a);
    cleanups.push(() => virtual.dispose());
    const hid = hidOver(b);
    const { manager } = makeManager([virtual, hid.driver]);
    await manager.start();
    expect(
      manager
        .devices()
        .map((d) => `${d.driver}:${d.serial}`)
        .sort(),
    ).toEqual(['hid:1002', 'virtual:1001']);
  });
});
