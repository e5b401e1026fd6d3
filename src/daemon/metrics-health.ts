import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeviceManager } from '../devices';
import type { HealthContribution, HealthContributor } from '../server';
import type { RegistryStore } from '../tokens';

export interface HealthSources {
  readonly devices: Pick<DeviceManager, 'devices' | 'driverStatus'>;
  /** The registry: a cheap read through it (it throws when the store is down) and its health. */
  readonly store: Pick<RegistryStore, 'count' | 'health' | 'kind' | 'location'>;
}

export interface DriverHealth {
  readonly name: string;
  readonly available: boolean;
  readonly reason?: string;
  readonly hotplug?: 'events' | 'polling';
}

/**
 * The daemon's part of GET /healthz: each driver and whether it works here, the devices attached,
 * and whether the registry answers (an SQLite file must also stay writable, with its folder, for
 * the -wal and -shm files). Not ok (503) only when the store does not: a machine without a token,
 * or without libusb, still serves the page. When the store is down, `store` says why (its error
 * code and reason, never a path or a password).
 */
export function createHealthContributor(sources: HealthSources): HealthContributor {
  return async (): Promise<HealthContribution> => {
    const drivers: DriverHealth[] = sources.devices.driverStatus().map((s) => ({
      name: s.name,
      available: s.available,
      ...(s.reason !== undefined ? { reason: s.reason } : {}),
      ...(s.hotplug !== undefined ? { hotplug: s.hotplug } : {}),
    }));
    const store = await storeHealth(sources.store);
    return {
      ok: store.ok,
      drivers,
      devices: sources.devices.devices().length,
      storeWritable: store.ok,
      registry: store,
    };
  };
}

type RegistryHealth =
  { ok: true; kind: string } | { ok: false; kind: string; code: string; reason: string };

async function storeHealth(store: HealthSources['store']): Promise<RegistryHealth> {
  const kind = store.kind;
  try {
    await store.count();
  } catch {
    // count() recorded the reason in the store's health
  }
  const health = store.health();
  if (!health.ok) return { ok: false, kind, code: health.code, reason: health.reason };
  if (kind === 'sqlite') {
    try {
      await access(store.location, constants.R_OK | constants.W_OK);
      await access(dirname(store.location), constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      return {
        ok: false,
        kind,
        code: 'STORE_IO',
        reason: `the registry file or its folder is not writable (${code})`,
      };
    }
  }
  return { ok: true, kind };
}
