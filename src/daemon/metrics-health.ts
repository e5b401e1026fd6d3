import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeviceManager } from '../devices';
import type { HealthContribution, HealthContributor } from '../server';

export interface HealthSources {
  readonly devices: Pick<DeviceManager, 'devices' | 'driverStatus'>;
  /** A cheap read through the registry (e.g. `() => store.count()`): it throws when the store is down. */
  readonly storeRead: () => Promise<unknown>;
  /** The registry file; it and its folder must stay writable (SQLite adds -wal and -shm beside it). */
  readonly storePath: string;
}

export interface DriverHealth {
  readonly name: string;
  readonly available: boolean;
  readonly reason?: string;
  readonly hotplug?: 'events' | 'polling';
}

/**
 * The daemon's part of GET /healthz: each driver and whether it works here, the devices attached,
 * and whether the registry can still be read and written. Not ok (503) only when the store is not
 * writable: a machine without a token, or without libusb, still serves the page.
 */
export function createHealthContributor(sources: HealthSources): HealthContributor {
  return async (): Promise<HealthContribution> => {
    const drivers: DriverHealth[] = sources.devices.driverStatus().map((s) => ({
      name: s.name,
      available: s.available,
      ...(s.reason !== undefined ? { reason: s.reason } : {}),
      ...(s.hotplug !== undefined ? { hotplug: s.hotplug } : {}),
    }));
    const storeWritable = await isStoreWritable(sources);
    return {
      ok: storeWritable,
      drivers,
      devices: sources.devices.devices().length,
      storeWritable,
    };
  };
}

async function isStoreWritable(sources: HealthSources): Promise<boolean> {
  try {
    await sources.storeRead();
    await access(sources.storePath, constants.R_OK | constants.W_OK);
    await access(dirname(sources.storePath), constants.W_OK);
    return true;
  } catch {
    // The reason is in the daemon log where the store failed; health only says yes or no.
    return false;
  }
}
