import { deviceId, type DeviceInfo } from '../../../src/core';
import { mayBeSameKey, outranks, deviceIdFor, sameLocation } from '../../../src/devices';

function info(driver: string, extra: Partial<DeviceInfo> = {}): DeviceInfo {
  return {
    driver,
    path: `${driver}-path`,
    vendorId: 0x1050,
    productId: 0x0407,
    model: 'YubiKey 4/5',
    interfaceNumber: 0,
    access: 'shared',
    ...extra,
  };
}

const hid = info('hid', { location: 'usb:1-2' });
const usbExclusive = info('usb', { access: 'exclusive', location: 'usb:1-2' });
const usbShared = info('usb', { location: 'usb:1-2' });
const virtual = info('virtual');

describe('which interface of one key is used', () => {
  test.each([
    // candidate, current, exclusive mode, candidate wins
    ['usb exclusive over hid, exclusive mode', usbExclusive, hid, true, true],
    ['hid over usb exclusive, exclusive mode', hid, usbExclusive, true, false],
    ['hid over usb exclusive, shared mode', hid, usbExclusive, false, true],
    ['usb exclusive over hid, shared mode', usbExclusive, hid, false, false],
    ['hid over shared usb, either mode', hid, usbShared, true, true],
    ['hid over virtual', hid, virtual, false, true],
    ['virtual over hid', virtual, hid, false, false],
    ['equal ranks do not swap', usbShared, virtual, false, false],
  ])('%s', (_name, candidate, current, exclusive, wins) => {
    expect(outranks(candidate, current, exclusive)).toBe(wins);
  });
});

describe('recognising one key', () => {
  test.each([
    ['same location, two drivers', hid, usbExclusive, true],
    ['same location, one driver', hid, { ...hid, path: 'other' }, false],
    ['different locations', hid, { ...usbExclusive, location: 'usb:1-3' }, false],
    ['one location unknown', hid, virtual, false],
  ])('sameLocation: %s', (_name, a, b, expected) => {
    expect(sameLocation(a, b)).toBe(expected);
  });

  test.each([
    ['two drivers, same PID, no locations', virtual, { ...virtual, driver: 'hid' }, true],
    ['two drivers, different locations', hid, { ...usbExclusive, location: 'usb:9-9' }, false],
    ['two drivers, different PIDs', virtual, { ...hid, productId: 0x0401 }, false],
    ['one driver', virtual, { ...virtual, path: 'x' }, false],
  ])('mayBeSameKey: %s', (_name, a, b, expected) => {
    expect(mayBeSameKey(a, b)).toBe(expected);
  });

  test('the device id hashes the location when known, else driver and path, never showing it', () => {
    expect(deviceIdFor(hid)).toBe(deviceIdFor(usbExclusive));
    expect(deviceIdFor(hid)).toBe(deviceId('location', 'usb:1-2'));
    expect(deviceIdFor(virtual)).toBe(deviceId('virtual', 'virtual-path'));
    expect(deviceIdFor(virtual)).not.toContain('virtual-path');
  });
});
