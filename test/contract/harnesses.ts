import { EventEmitter } from 'node:events';
import { YUBICO_VENDOR_ID } from '../../src/core';
import { HidDriver } from '../../drivers/hid';
import { UsbDriver } from '../../drivers/usb';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../drivers/virtual';
import { FakeNodeHid } from '../fakes/fake-node-hid';
import { FakeUsb } from '../fakes/fake-usb';
import type { DriverHarness, ExpectedToken } from './driver-contract';

/** The default virtual key: serial 7050602, a YubiKey 5 with Yubico OTP and OATH-HOTP slots, typing
 * with its default pacing. */
export function contractToken(): VirtualToken {
  return new VirtualToken(parseVirtualSpec('yubikey'));
}

export function expectedFor(token: VirtualToken): ExpectedToken {
  return {
    serial: token.spec.serial,
    vendorId: token.vendorId,
    productId: token.productId,
    model: token.model,
    firmware: token.spec.firmware,
  };
}

export async function virtualHarness(): Promise<DriverHarness> {
  const driver = new VirtualDriver();
  const token = contractToken();
  driver.attach(token);
  return {
    driver,
    token,
    expected: expectedFor(token),
    plugAnother: (other) => driver.attach(other),
    cleanup: () => driver.dispose(),
  };
}

export async function hidHarness(): Promise<DriverHarness & { fake: FakeNodeHid }> {
  const fake = new FakeNodeHid();
  const token = contractToken();
  fake.attach(token, { withFido: true });
  const driver = new HidDriver({
    loadNodeHid: () => fake,
    platform: 'linux',
    sysfsRoot: '/nonexistent',
  });
  return {
    fake,
    driver,
    token,
    expected: expectedFor(token),
    cleanup: async () => {
      expect(fake.openHandles()).toBe(0);
    },
  };
}

export const USB_TEST_POLL_MS = 40; // short interrupt transfers so closes are quick in tests

export async function usbHarness(): Promise<
  DriverHarness & { fake: FakeUsb; exitSignal: EventEmitter }
> {
  const fake = new FakeUsb();
  const token = contractToken();
  fake.attach(token, { bus: 3, ports: [1, 4] });
  const exitSignal = new EventEmitter();
  const driver = new UsbDriver({
    loadUsb: () => fake,
    exclusive: true,
    usbBusPresent: () => true,
    pollTimeoutMs: USB_TEST_POLL_MS,
    exitSignal,
  });
  return {
    fake,
    exitSignal,
    driver,
    token,
    expected: expectedFor(token),
    plugAnother: (other) => fake.attach(other, { bus: 3, ports: [2] }),
    cleanup: async () => {
      await driver.dispose();
      expect(exitSignal.listenerCount('exit')).toBe(0);
    },
  };
}

export { YUBICO_VENDOR_ID };
