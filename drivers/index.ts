import {
  type Clock,
  type Driver,
  type DriverAvailability,
  type Logger,
  UsageError,
  type UsbId,
} from '../src/core';
import type * as HidModule from './hid';
import type * as UsbModule from './usb';
import type * as VirtualModule from './virtual';

/** Every driver this build knows, in the order `serve` tries them by default. */
export const DRIVER_NAMES = ['hid', 'usb', 'virtual'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

export interface DriverOptions {
  logger?: Logger;
  clock?: Clock;
  /** Extra VID:PID pairs treated as OTP tokens by the hid and usb drivers. */
  extraIds?: readonly UsbId[];
  /** usb driver: claim the OTP interface so keystrokes never reach the focused application. */
  usbExclusive?: boolean;
}

export function isDriverName(name: string): name is DriverName {
  return (DRIVER_NAMES as readonly string[]).includes(name);
}

/**
 * Builds a driver by name. Each adapter module is required only when chosen, and the native
 * libraries only when the driver first needs them, so a missing node-hid or usb never breaks the
 * others: that driver's availability() says why.
 */
export function createDriver(name: string, options: DriverOptions = {}): Driver {
  const common = {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.extraIds ? { extraIds: options.extraIds } : {}),
  };
  switch (name) {
    case 'hid': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { HidDriver } = require('./hid') as typeof HidModule;
      return new HidDriver(common);
    }
    case 'usb': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { UsbDriver } = require('./usb') as typeof UsbModule;
      return new UsbDriver({ ...common, exclusive: options.usbExclusive ?? false });
    }
    case 'virtual': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { VirtualDriver } = require('./virtual') as typeof VirtualModule;
      return new VirtualDriver({
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      });
    }
    default:
      throw new UsageError(`unknown driver "${name}": choose from ${DRIVER_NAMES.join(', ')}`);
  }
}

/** Several drivers; duplicates are dropped, an unknown name fails before any driver is built. */
export function createDrivers(names: readonly string[], options: DriverOptions = {}): Driver[] {
  const unique = [...new Set(names)];
  const unknown = unique.find((n) => !isDriverName(n));
  if (unknown !== undefined) {
    throw new UsageError(`unknown driver "${unknown}": choose from ${DRIVER_NAMES.join(', ')}`);
  }
  return unique.map((n) => createDriver(n, options));
}

export interface DriverAvailabilityReport {
  readonly name: string;
  readonly available: boolean;
  readonly reason?: string;
  readonly fix?: string;
}

/** One line of data per driver for `devices` and `doctor`; never throws. */
export async function describeAvailability(
  drivers: readonly Driver[],
): Promise<DriverAvailabilityReport[]> {
  return Promise.all(
    drivers.map(async (driver) => {
      let a: DriverAvailability;
      try {
        a = await driver.availability();
      } catch (err) {
        // availability() must not throw; if one does, it is unavailable for that reason.
        a = { available: false, reason: err instanceof Error ? err.message : String(err) };
      }
      return a.available
        ? { name: driver.name, available: true }
        : {
            name: driver.name,
            available: false,
            reason: a.reason,
            ...(a.fix ? { fix: a.fix } : {}),
          };
    }),
  );
}

/** Human text for one report: `hid: available` or `usb: unavailable: <reason> (fix: <fix>)`. */
export function formatAvailability(report: DriverAvailabilityReport): string {
  if (report.available) return `${report.name}: available`;
  return `${report.name}: unavailable: ${report.reason ?? 'unknown reason'}${
    report.fix ? ` (fix: ${report.fix})` : ''
  }`;
}
