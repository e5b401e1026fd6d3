import { describeDriverContract } from './driver-contract';
import { hidHarness } from './harnesses';

// node-hid has no hotplug events: the device manager polls it (or uses the usb driver's events).
describeDriverContract('hid over FakeNodeHid', hidHarness);
