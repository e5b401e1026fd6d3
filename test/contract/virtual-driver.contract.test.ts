import { describeDriverContract } from './driver-contract';
import { virtualHarness } from './harnesses';

describeDriverContract('virtual', virtualHarness, { hotplug: true });
