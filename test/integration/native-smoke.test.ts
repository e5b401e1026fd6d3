import { existsSync } from 'node:fs';
import type * as NodeHid from 'node-hid';
import type { UsbDevice as NativeUsbDevice } from 'usb/index.js';
import { HidDriver, type NodeHidModule } from '../../drivers/hid';
import { LINUX_USB_SYSFS, type UsbDeviceHandle, UsbDriver } from '../../drivers/usb';

// Compile-time: the real libraries offer at least the surfaces the adapters (and fakes) are written
// against. A library upgrade that changes them fails `tsc` here. usb's WebUSB transfer methods are
// typed through @types/w3c-web-usb, which this project does not load; they are checked at run time.
type Assignable<T, U extends T> = U;
type WebUsbTransfers = 'controlTransferIn' | 'controlTransferOut' | 'transferIn';
export type NodeHidFits = Assignable<NodeHidModule, typeof NodeHid>;
export type UsbDeviceFits = Assignable<Omit<UsbDeviceHandle, WebUsbTransfers>, NativeUsbDevice>;

/**
 * The real node-hid and usb modules, no fakes. CI has libusb but no keys and (in a container) no
 * USB bus: each driver is either available and finds nothing, or unavailable and says why.
 */
describe('native modules', () => {
  test('hid: available with no tokens, or unavailable with a reason', async () => {
    const driver = new HidDriver();
    const availability = await driver.availability();
    if (availability.available) {
      const devices = await driver.enumerate();
      expect(devices.filter((d) => d.vendorId === 0x1050)).toEqual([]);
    } else {
      expect(availability.reason).toMatch(/node-hid/);
      expect(availability.fix).toBeTruthy();
    }
  });

  test('usb: unavailable naming the missing bus, or available with no tokens', async () => {
    const driver = new UsbDriver();
    const availability = await driver.availability();
    if (process.platform === 'linux' && !existsSync(LINUX_USB_SYSFS)) {
      expect(availability).toMatchObject({ available: false });
      expect(!availability.available && availability.reason).toMatch(/\/sys\/bus\/usb/);
      await expect(driver.enumerate()).rejects.toMatchObject({ code: 'DRIVER_UNAVAILABLE' });
    } else if (availability.available) {
      await expect(driver.enumerate()).resolves.toEqual([]);
    } else {
      expect(availability.reason.length).toBeGreaterThan(0);
    }
    await driver.dispose();
  });

  test('usb: when the bus check is bypassed, the library failure is caught, not thrown', async () => {
    const driver = new UsbDriver({ usbBusPresent: () => true });
    const availability = await driver.availability();
    if (existsSync(LINUX_USB_SYSFS) || process.platform !== 'linux') {
      expect(typeof availability.available).toBe('boolean');
    } else {
      expect(availability).toMatchObject({ available: false });
      expect(!availability.available && availability.reason).toMatch(/usb enumeration failed/);
    }
  });

  test('usb: the WebUSB transfer methods the driver calls exist on the real device class', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('usb'); // dist/index.js adds them to the native class's prototype
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const native = require('usb/index.js') as { UsbDevice: { prototype: Record<string, unknown> } };
    for (const method of ['controlTransferIn', 'controlTransferOut', 'transferIn']) {
      expect(typeof native.UsbDevice.prototype[method]).toBe('function');
    }
  });

  test('usb: watch without a bus subscribes to nothing and unsubscribes cleanly', () => {
    const driver = new UsbDriver();
    const events: string[] = [];
    const unwatch = driver.watch({
      attached: (info) => events.push(info.path),
      detached: (path) => events.push(path),
    });
    unwatch();
    expect(events).toEqual([]);
  });
});
