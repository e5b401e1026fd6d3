import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseUsbId, type UsbId } from '../../core';
import { createDrivers, describeAvailability } from '../../../drivers';
import { checkDrivers } from './drivers';
import { checkStoreFiles } from './files';
import { checkRegistry } from './registry';
import { UDEV_RULE_NAME } from './fixes';
import { checkHidraw } from './hidraw';
import { Machine } from './machine';
import { checkPeerAccess } from './peer';
import { checkPort } from './port';
import { checkUdevRule } from './udev-rule';
import { checkExclusive, checkUsbBus } from './usb';
import type { CheckResult, DoctorOptions, DoctorReport } from './types';

/** Runs every check in a fixed order; never throws for what it finds on the machine. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { config } = options;
  const machine = new Machine(options.root ?? '/', options.identity);
  const extra: UsbId[] = config.drivers.extraUsbIds.flatMap((text) => {
    const id = parseUsbId(text);
    return id ? [id] : [];
  });
  const hardware = config.drivers.enabled.filter((d) => d !== 'virtual');
  const reports = await (options.driverReports ?? (() => loadDrivers(hardware)))();

  // Token access matters only to the hardware drivers; a virtual-only daemon needs none of it.
  const tokenAccess = hardware.length > 0;
  const drivers = checkDrivers(reports, config.drivers.exclusive);
  const bus = tokenAccess ? await checkUsbBus(machine) : undefined;
  const checks: CheckResult[] = [
    ...(config.drivers.enabled.includes('hid') ? await checkHidraw(machine, extra) : []),
    ...(tokenAccess ? [await checkUdevRule(machine, options.shippedRule ?? shippedRule())] : []),
    ...drivers,
    // The usb driver already says it finds no USB bus (with the fix): the same news once is enough.
    ...(bus && !(bus.busMissing && drivers.some(saysNoUsbBus)) ? [bus.check] : []),
    ...(config.store.url === null
      ? await checkStoreFiles(config.store.path, config.store.keyFile, machine.uid)
      : []),
    ...(options.registry === false ? [] : await checkRegistry(config, options.env ?? process.env)),
    await checkPort(config.server.host, config.server.port, options.probeTimeoutMs),
    await checkPeerAccess(config),
    ...(config.drivers.exclusive ? await checkExclusive(machine, extra) : []),
  ];
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

function saysNoUsbBus(check: CheckResult): boolean {
  return check.id === 'driver:usb' && check.status !== 'ok' && /no USB bus/i.test(check.detail);
}

/** The native drivers `serve` would use, loaded the same lazy way, then released. */
async function loadDrivers(names: readonly string[]) {
  const drivers = createDrivers(names);
  try {
    return await describeAvailability(drivers);
  } finally {
    await Promise.all(drivers.map((d) => d.dispose?.()));
  }
}

/** udev/69-tokenbridge.rules of this checkout or package (src/cli/doctor or dist/src/cli/doctor). */
function shippedRule(): string | undefined {
  for (const up of [
    ['..', '..', '..'],
    ['..', '..', '..', '..'],
  ]) {
    try {
      return readFileSync(join(__dirname, ...up, 'udev', UDEV_RULE_NAME), 'utf8');
    } catch {
      // not at this depth; try the next
    }
  }
  return undefined;
}
