import { EventEmitter } from 'node:events';
import { ErrorCode } from '../../../src/core';
import {
  CONTROL_TIMEOUT_MS,
  FEATURE_REPORT_LENGTH,
  FEATURE_REPORT_VALUE,
  GET_FEATURE_REPORT,
  HID_GET_REPORT,
  HID_GET_REPORT_REQUEST_TYPE,
  HID_SET_REPORT,
  HID_SET_REPORT_REQUEST_TYPE,
  OTP_INTERFACE_INDEX,
  SET_FEATURE_REPORT,
  toWebUsbSetup,
  UsbDriver,
  type UsbDriverOptions,
} from '../../../drivers/usb';
import type { VirtualToken } from '../../../drivers/virtual';
import { FakeUsb } from '../../fakes/fake-usb';
import { contractToken } from '../../contract/harnesses';

describe('HID class control transfers', () => {
  test('constants are the HID 1.11 / ykpers values', () => {
    expect(HID_GET_REPORT_REQUEST_TYPE).toBe(0xa1);
    expect(HID_SET_REPORT_REQUEST_TYPE).toBe(0x21);
    expect(HID_GET_REPORT).toBe(0x01);
    expect(HID_SET_REPORT).toBe(0x09);
    expect(FEATURE_REPORT_VALUE).toBe(0x0300);
    expect(OTP_INTERFACE_INDEX).toBe(0);
    expect(FEATURE_REPORT_LENGTH).toBe(8);
    expect(CONTROL_TIMEOUT_MS).toBe(1000);
  });

  test.each([
    [
      GET_FEATURE_REPORT,
      { requestType: 'class', recipient: 'interface', request: 1, value: 0x300, index: 0 },
    ],
    [
      SET_FEATURE_REPORT,
      { requestType: 'class', recipient: 'interface', request: 9, value: 0x300, index: 0 },
    ],
    [
      { bmRequestType: 0x80, bRequest: 0x06, wValue: 0x0100, wIndex: 0 },
      { requestType: 'standard', recipient: 'device', request: 6, value: 0x100, index: 0 },
    ],
    [
      { bmRequestType: 0xc2, bRequest: 0x01, wValue: 0, wIndex: 0x81 },
      { requestType: 'vendor', recipient: 'endpoint', request: 1, value: 0, index: 0x81 },
    ],
  ])('setup packet %j in WebUSB form', (packet, expected) => {
    expect(toWebUsbSetup(packet)).toEqual(expected);
  });

  test.each([0x60, 0x25])('bmRequestType 0x%s has no WebUSB form', (bm) => {
    expect(() => toWebUsbSetup({ bmRequestType: bm, bRequest: 0, wValue: 0, wIndex: 0 })).toThrow(
      RangeError,
    );
  });
});

describe('UsbDriver over FakeUsb', () => {
  let token: VirtualToken;
  let fake: FakeUsb;
  let exitSignal: EventEmitter;

  function driver(options: Partial<UsbDriverOptions> = {}): UsbDriver {
    return new UsbDriver({
      loadUsb: () => fake,
      usbBusPresent: () => true,
      exclusive: true,
      pollTimeoutMs: 30,
      exitSignal,
      ...options,
    });
  }

  beforeEach(() => {
    token = contractToken();
    fake = new FakeUsb();
    exitSignal = new EventEmitter();
  });

  test('detaches the kernel driver, claims, and on close releases before re-attaching', async () => {
    const device = fake.attach(token, { bus: 2, ports: [3] });
    const usb = driver();
    const [info] = await usb.enumerate();
    expect(info).toMatchObject({ path: 'usb:2-3', location: 'usb:2-3', access: 'exclusive' });
    const connection = await usb.open(info!);
    expect(device.calls).toEqual(['open', 'detachKernelDriver(0)', 'claimInterface(0)']);
    expect(device.kernelDriverBound).toBe(false);
    await connection.close();
    expect(device.calls).toEqual([
      'open',
      'detachKernelDriver(0)',
      'claimInterface(0)',
      'releaseInterface(0)',
      'attachKernelDriver(0)',
      'close',
    ]);
    expect(device.kernelDriverBound).toBe(true);
    expect(device.interfaceHeld).toBe(false);
  });

  test('keystrokes reach only tokenbridge while claimed, and the host again after close', async () => {
    fake.attach(token);
    const usb = driver();
    const [info] = await usb.enumerate();
    const connection = await usb.open(info!);
    let reports = 0;
    connection.on('input', () => reports++);
    await token.press(1);
    await connection.close();
    expect(reports).toBeGreaterThan(0);
    expect(fake.keystrokesToHost).toEqual([]);
    await token.press(2);
    expect(fake.keystrokesToHost.length).toBeGreaterThan(0);
  });

  test('leaves the kernel driver alone when none was bound', async () => {
    const device = fake.attach(token);
    device.kernelDriverBound = false;
    const usb = driver();
    const connection = await usb.open((await usb.enumerate())[0]!);
    await connection.close();
    expect(device.calls).toEqual(['open', 'claimInterface(0)', 'releaseInterface(0)', 'close']);
    expect(device.kernelDriverBound).toBe(false);
  });

  test('one exit hook for all connections, removed with the last close', async () => {
    const first = fake.attach(token, { ports: [1] });
    const second = fake.attach(contractTokenWithSerial(1234567), { ports: [2] });
    const usb = driver();
    const infos = await usb.enumerate();
    const ca = await usb.open(infos.find((i) => i.path === 'usb:1-1')!);
    const cb = await usb.open(infos.find((i) => i.path === 'usb:1-2')!);
    expect(exitSignal.listenerCount('exit')).toBe(1);
    await ca.close();
    expect(exitSignal.listenerCount('exit')).toBe(1);
    // At exit the remaining connection starts giving the interface back.
    exitSignal.emit('exit');
    await waitFor(() => second.kernelDriverBound);
    expect(second.calls.slice(-2)).toEqual(['releaseInterface(0)', 'attachKernelDriver(0)']);
    expect(first.calls.slice(-1)).toEqual(['close']);
    await cb.close();
    expect(exitSignal.listenerCount('exit')).toBe(0);
  });

  test('an unplug fails the connection with DEVICE_GONE and still closes cleanly', async () => {
    fake.attach(token);
    const usb = driver();
    const connection = await usb.open((await usb.enumerate())[0]!);
    const codes: string[] = [];
    connection.on('error', (e) => codes.push(e.code));
    const closed = new Promise<void>((resolve) => connection.on('close', resolve));
    token.unplug();
    await closed;
    expect(codes).toEqual([ErrorCode.DEVICE_GONE]);
    await expect(connection.getFeatureReport()).rejects.toMatchObject({
      code: ErrorCode.DEVICE_GONE,
    });
    expect(exitSignal.listenerCount('exit')).toBe(0);
  });

  test('shared mode enumerates as shared and refuses to open, saying why', async () => {
    fake.attach(token);
    const usb = driver({ exclusive: false });
    const [info] = await usb.enumerate();
    expect(info?.access).toBe('shared');
    await expect(usb.open(info!)).rejects.toMatchObject({
      code: ErrorCode.DRIVER_UNAVAILABLE,
      message: expect.stringContaining('shared mode'),
    });
  });

  test('a key that left since enumeration is DEVICE_NOT_FOUND', async () => {
    fake.attach(token);
    const usb = driver();
    const [info] = await usb.enumerate();
    token.unplug();
    await expect(usb.open(info!)).rejects.toMatchObject({ code: ErrorCode.DEVICE_NOT_FOUND });
  });

  test('dispose drops hotplug listeners and closes connections', async () => {
    const device = fake.attach(token);
    const usb = driver();
    usb.watch({ attached: () => undefined, detached: () => undefined });
    expect(fake.usb.listenerCount()).toBe(2);
    const connection = await usb.open((await usb.enumerate())[0]!);
    await usb.dispose();
    expect(fake.usb.listenerCount()).toBe(0);
    expect(connection.closed).toBe(true);
    expect(device.kernelDriverBound).toBe(true);
  });

  describe('availability', () => {
    test('no USB bus: unavailable, naming /sys/bus/usb, and watch subscribes to nothing', async () => {
      const usb = driver({ usbBusPresent: () => false });
      const availability = await usb.availability();
      expect(availability).toMatchObject({ available: false });
      expect(!availability.available && availability.reason).toMatch(/\/sys\/bus\/usb/);
      usb.watch({ attached: () => undefined, detached: () => undefined });
      expect(fake.usb.listenerCount()).toBe(0);
    });

    test('enumeration failing anyway is caught', async () => {
      fake.noBus = true;
      const availability = await driver().availability();
      expect(availability).toMatchObject({ available: false });
      expect(!availability.available && availability.reason).toMatch(/usb enumeration failed/);
    });

    test('a module that does not load', async () => {
      const usb = driver({
        loadUsb: () => {
          throw new Error("Cannot find module '@node-usb/usb-linux-x64-gnu'");
        },
      });
      await expect(usb.availability()).resolves.toMatchObject({
        available: false,
        reason: expect.stringContaining('usb native module failed to load'),
        fix: expect.stringContaining('npm install usb'),
      });
    });
  });
});

function contractTokenWithSerial(serial: number): VirtualToken {
  const { VirtualToken: Token, parseVirtualSpec } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../../../drivers/virtual') as typeof import('../../../drivers/virtual');
  return new Token(parseVirtualSpec(`yubikey:serial=${serial},pacing=0`));
}

async function waitFor(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 2));
}
