import type { DriverAvailabilityReport } from '../../../drivers';
import type { CheckResult } from './types';

/** What each native driver needs, said the way a person installs it. */
const NEEDS: Record<string, string> = {
  hid: 'node-hid (hidraw)',
  usb: 'usb (libusb)',
};

/** Used when the driver itself names no fix. */
const DEFAULT_FIX: Record<string, string> = {
  hid: 'npm install node-hid in the tokenbridge folder (it needs hidraw in the kernel)',
  usb: 'install libusb (apt-get install libusb-1.0-0) and npm install usb in the tokenbridge folder',
};

/**
 * The native drivers load here (node-hid, libusb). One unavailable driver is a warning while
 * another works; none working is a failure, and so is no usb driver in exclusive mode (only it can
 * claim a token).
 */
export function checkDrivers(
  reports: readonly DriverAvailabilityReport[],
  exclusive: boolean,
): CheckResult[] {
  const hardware = reports.filter((r) => r.name in NEEDS);
  const anyWorks = hardware.some((r) => r.available);
  return hardware.map((r) => {
    const base = { id: `driver:${r.name}`, title: `driver ${r.name}: ${NEEDS[r.name]}` };
    if (r.available) return { ...base, status: 'ok', detail: 'loads' };
    const required = !anyWorks || (exclusive && r.name === 'usb');
    return {
      ...base,
      status: required ? 'fail' : 'warn',
      detail: `unavailable: ${r.reason ?? 'unknown reason'}${
        exclusive && r.name === 'usb' ? ' (exclusive mode needs it)' : ''
      }`,
      fix: r.fix ?? DEFAULT_FIX[r.name]!,
    };
  });
}
