import { describeDriverContract } from './driver-contract';
import { usbHarness } from './harnesses';

describeDriverContract('usb (exclusive) over FakeUsb', usbHarness, { hotplug: true });
