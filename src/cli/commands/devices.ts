import type { Command } from 'commander';
import type { AttachedDevice, DeviceErrorEvent, DriverStatus } from '../../devices';
import { formatAvailability } from '../../../drivers';
import { addConfigOptions } from '../config-options';
import { printJson, printTable } from '../output';
import type { CliIo } from '../io';
import { withRuntime } from '../with-runtime';

/** Longest wait for the first enumeration and the status/serial reads of what it found. */
const SETTLE_TIMEOUT_MS = 10_000;

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
  addConfigOptions(
    program
      .command('devices')
      .description('List the drivers available here and the tokens attached now.'),
    ['drivers'],
  )
    .option('--json', 'print { drivers, devices } as JSON')
    .action((opts: Record<string, unknown> & { json?: boolean }) =>
      withRuntime(io, opts, async (runtime) => {
        const manager = runtime.devices();
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
        }
      }),
    );
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
