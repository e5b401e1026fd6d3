import { YUBICO_VENDOR_ID } from '../../src/core';
import { HidDriver } from '../../drivers/hid';
import { describeDriverContract } from './driver-contract';
import { hidHarness } from './harnesses';

// node-hid has no hotplug events: the device manager polls it (or uses the usb driver's events).
describeDriverContract('hid over FakeNodeHid', hidHarness);

/**
 * The same contract against a real key through the real node-hid, registered only when a serial is
 * given:  TOKENBRIDGE_TEST_SERIAL=7050602 npx jest test/contract/hid-driver
 * The key must be the only Yubico key attached, with its serial visible over the API. Cases that
 * need the button or the cable are not registered.
 */
const serialText = process.env.TOKENBRIDGE_TEST_SERIAL;

if (serialText) {
  const serial = Number(serialText);
  if (!Number.isInteger(serial) || serial <= 0) {
    throw new Error(`TOKENBRIDGE_TEST_SERIAL: expected a positive integer, got "${serialText}"`);
  }
  describeDriverContract(
    `hid with a real key (serial ${serial})`,
    async () => ({
      driver: new HidDriver(),
      expected: { serial, vendorId: YUBICO_VENDOR_ID },
      cleanup: async () => undefined,
    }),
    { scripted: false },
  );
}
