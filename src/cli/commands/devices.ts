import type { Command } from 'commander';
import { type Driver, type Logger, silentLogger } from '../../core';
import {
  type AttachedDevice,
  DeviceManager,
  type DeviceErrorEvent,
  type DriverStatus,
} from '../../devices';
import { createDrivers, DRIVER_NAMES, formatAvailability } from '../../../drivers';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../../drivers/virtual';
import { collect } from '../options';
import { printJson, printTable } from '../output';
import type { CliIo } from '../program';

/** Longest wait for the first enumeration and the status/serial reads of what it found. */
const SETTLE_TIMEOUT_MS = 10_000;

export interface DriverFlags {
  driver?: string[];
  virtual?: string[];
}

export interface DriverSetup {
  readonly drivers: Driver[];
  /** The virtual bus, when the virtual driver is in use. */
  readonly bus: VirtualDriver | undefined;
  /** Tokens attached with --virtual, in flag order. */
  readonly tokens: VirtualToken[];
  dispose(): Promise<void>;
}

/**
 * The drivers `--driver` names (all of them by default), with the `--virtual` tokens plugged into
 * the virtual bus (which is added when tokens are given). Bad names and specs throw UsageError
 * before anything is built.
 */
export function setUpDrivers(flags: DriverFlags, logger: Logger): DriverSetup {
  const specs = (flags.virtual ?? []).map((s) => parseVirtualSpec(s));
  const names = [...(flags.driver ?? DRIVER_NAMES)];
  if (specs.length > 0 && !names.includes('virtual')) names.push('virtual');
  const drivers = createDrivers(names, { logger });
  const bus = drivers.find((d): d is VirtualDriver => d instanceof VirtualDriver);
  const tokens = specs.map((spec) => new VirtualToken(spec, { logger }));
  for (const token of tokens) bus!.attach(token);
  return {
    drivers,
    bus,
    tokens,
    dispose: async () => {
      await Promise.all(drivers.map((d) => d.dispose?.()));
    },
  };
}

export function driverFlags(command: Command): Command {
  return command
    .option(
      '--driver <name>',
      `driver to use, repeatable: ${DRIVER_NAMES.join(', ')} (default: all available)`,
      collect,
    )
    .option(
      '--virtual <spec>',
      'attach a virtual token, repeatable (e.g. hotp:serial=123)',
      collect,
    );
}

/** What `devices --json` prints for one token; ids are hashes, never OS paths. */
export function deviceJson(device: AttachedDevice): Record<string, unknown> {
  return {
    id: device.id,
    driver: device.driver,
    model: device.model,
    vendorId: device.vendorId,
    productId: device.productId,
    serial: device.serial ?? null,
    firmware: device.firmware ?? null,
    interfaceNumber: device.interfaceNumber,
    access: device.access,
  };
}

/** `tokenbridge devices`: which drivers work here and which tokens are attached now. */
export function register(program: Command, io: CliIo): void {
  driverFlags(
    program
      .command('devices')
      .description('List the drivers available here and the tokens attached now.'),
  )
    .option('--json', 'print { drivers, devices } as JSON')
    .action(async (opts: DriverFlags & { json?: boolean }) => {
      const logger = silentLogger();
      const setup = setUpDrivers(opts, logger);
      const manager = new DeviceManager({ drivers: setup.drivers, logger });
      const errors: DeviceErrorEvent[] = [];
      manager.on('error', (e) => errors.push(e));
      let timer: NodeJS.Timeout | undefined;
      try {
        const timedOut = await Promise.race([
          manager.start().then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), SETTLE_TIMEOUT_MS);
          }),
        ]);
        const status = manager.driverStatus();
        const devices = manager.devices();
        if (opts.json) {
          printJson(io.stdout, {
            drivers: status.map(statusJson),
            devices: devices.map(deviceJson),
          });
        } else {
          printText(io, status, devices);
        }
        // Unavailable drivers are in the listing already; other problems go to stderr.
        for (const e of errors.filter((e) => e.code !== 'DRIVER_UNAVAILABLE')) {
          io.stderr.write(`tokenbridge: warning: ${e.driver}: ${e.code}: ${e.message}\n`);
        }
        if (timedOut) {
          io.stderr.write(
            `tokenbridge: warning: some tokens did not answer within ${SETTLE_TIMEOUT_MS / 1000} s\n`,
          );
        }
      } finally {
        clearTimeout(timer);
        await manager.stop();
        await setup.dispose();
      }
    });
}

function statusJson(status: DriverStatus): Record<string, unknown> {
  return {
    name: status.name,
    available: status.available,
    ...(status.reason !== undefined ? { reason: status.reason } : {}),
    ...(status.fix !== undefined ? { fix: status.fix } : {}),
    ...(status.hotplug !== undefined ? { hotplug: status.hotplug } : {}),
  };
}

function printText(io: CliIo, status: DriverStatus[], devices: AttachedDevice[]): void {
  io.stdout.write('Drivers:\n');
  for (const s of status) io.stdout.write(`  ${formatAvailability(s)}\n`);
  if (devices.length === 0) {
    io.stdout.write('No tokens attached.\n');
    return;
  }
  io.stdout.write('\n');
  printTable(
    io.stdout,
    [
      { key: 'driver', title: 'DRIVER' },
      { key: 'model', title: 'MODEL' },
      { key: 'serial', title: 'SERIAL' },
      { key: 'firmware', title: 'FIRMWARE' },
      { key: 'interfaceNumber', title: 'INTERFACE' },
      { key: 'access', title: 'ACCESS' },
      { key: 'id', title: 'ID' },
    ],
    devices.map((d) => ({ ...d, serial: d.serial ?? 'hidden' })),
  );
}
