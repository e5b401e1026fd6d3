import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { OTP_PRODUCTS } from '../../../src/core';
import {
  HidDriver,
  hidrawLocation,
  isOtpHidInterface,
  locationFromSysfs,
  type NodeHidDeviceInfo,
} from '../../../drivers/hid';
import { pathOf } from '../../../drivers/usb';
import { FakeNodeHid } from '../../fakes/fake-node-hid';
import { contractToken } from '../../contract/harnesses';

function hid(fields: Partial<NodeHidDeviceInfo>): NodeHidDeviceInfo {
  return { vendorId: 0x1050, productId: 0x0407, release: 0, interface: 0, ...fields };
}

describe('which HID interfaces are OTP keyboards', () => {
  test.each([
    ['YubiKey 5 OTP keyboard collection', hid({ usagePage: 1, usage: 6 }), true],
    ['YubiKey 5 FIDO collection', hid({ interface: 1, usagePage: 0xf1d0, usage: 1 }), false],
    ['Generic Desktop but a mouse', hid({ usagePage: 1, usage: 2 }), false],
    ['old hidraw backend: no usage page, interface 0', hid({}), true],
    ['old hidraw backend: usage page 0, interface 0', hid({ usagePage: 0, usage: 0 }), true],
    ['old hidraw backend: usage page 0, interface 1', hid({ usagePage: 0, interface: 1 }), false],
    ['FIDO-only PID 0x0402', hid({ productId: 0x0402, usagePage: 1, usage: 6 }), false],
    ['CCID-only PID 0x0404', hid({ productId: 0x0404 }), false],
    ['another vendor keyboard', hid({ vendorId: 0x046d, usagePage: 1, usage: 6 }), false],
  ])('%s', (_name, device, expected) => {
    expect(isOtpHidInterface(device)).toBe(expected);
  });

  test.each(OTP_PRODUCTS.map((p) => [p.name, p.productId] as const))(
    'every OTP PID of the table is accepted: %s',
    (_name, productId) => {
      expect(isOtpHidInterface(hid({ productId, usagePage: 1, usage: 6 }))).toBe(true);
    },
  );

  test('configured extra VID:PID pairs are accepted, others still refused', () => {
    const extra = [{ vendorId: 0x20a0, productId: 0x4108 }];
    const other = hid({ vendorId: 0x20a0, productId: 0x4108, usagePage: 1, usage: 6 });
    expect(isOtpHidInterface(other, extra)).toBe(true);
    expect(isOtpHidInterface(other)).toBe(false);
  });

  test('enumerate lists one OTP interface per key, skipping FIDO and foreign devices', async () => {
    const fake = new FakeNodeHid();
    const token = contractToken();
    const otpPath = fake.attach(token, { withFido: true, serialNumber: '7050602' });
    fake.attachOther(hid({ vendorId: 0x046d, productId: 0xc52b, path: '/dev/hidraw90' }));
    const driver = new HidDriver({ loadNodeHid: () => fake, platform: 'darwin' });
    expect(await driver.enumerate()).toEqual([
      {
        driver: 'hid',
        path: otpPath,
        vendorId: 0x1050,
        productId: token.productId,
        model: token.model,
        interfaceNumber: 0,
        access: 'shared',
        usbSerial: '7050602',
      },
    ]);
  });
});

describe('physical locations', () => {
  test.each([
    ['1', '2', 'usb:1-2'],
    ['3\n', '1.4\n', 'usb:3-1.4'],
    ['12', '2.3.1', 'usb:12-2.3.1'],
    ['x', '2', undefined],
    ['1', '', undefined],
    ['1', '1..4', undefined],
  ])('sysfs busnum %j devpath %j -> %s', (busnum, devpath, expected) => {
    expect(locationFromSysfs(busnum, devpath)).toBe(expected);
  });

  test.each([
    ['001', [1, 4], 'usb:1-1.4'],
    ['003', [2], 'usb:3-2'],
    ['14', [1], 'usb:14-1'],
    ['0x14100000', [1], 'usb:0x14100000-1'],
  ])('usb bus %j ports %j -> %s', (bus, ports, expected) => {
    expect(pathOf({ bus, ports })).toBe(expected);
  });

  describe('hidraw nodes in a sysfs tree', () => {
    let root: string;
    beforeAll(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'tokenbridge-sysfs-'));
      const usbDevice = path.join(root, 'sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.4');
      const hidDevice = path.join(usbDevice, '1-1.4:1.0/0003:1050:0407.0001');
      await mkdir(hidDevice, { recursive: true });
      await writeFile(path.join(usbDevice, 'busnum'), '1\n');
      await writeFile(path.join(usbDevice, 'devpath'), '1.4\n');
      await mkdir(path.join(root, 'sys/class/hidraw/hidraw3'), { recursive: true });
      await symlink(hidDevice, path.join(root, 'sys/class/hidraw/hidraw3/device'));
    });
    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });

    test('walks from the hidraw node to the USB device', async () => {
      await expect(hidrawLocation('/dev/hidraw3', root)).resolves.toBe('usb:1-1.4');
    });

    test('is undefined for unknown nodes and non-hidraw paths', async () => {
      await expect(hidrawLocation('/dev/hidraw7', root)).resolves.toBeUndefined();
      await expect(hidrawLocation('IOService:/AppleACPI/XHC1@14', root)).resolves.toBeUndefined();
    });

    test('matches what the usb driver reports for the same port, so one key can be deduped', async () => {
      const fake = new FakeNodeHid();
      fake.attach(contractToken(), { path: '/dev/hidraw3' });
      const driver = new HidDriver({ loadNodeHid: () => fake, platform: 'linux', sysfsRoot: root });
      const [info] = await driver.enumerate();
      expect(info?.location).toBe(pathOf({ bus: '001', ports: [1, 4] }));
    });
  });
});
