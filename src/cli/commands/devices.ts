import type { Command } from 'commander';
import type { DeviceErrorEvent } from '../../devices';
import { formatAvailability } from '../../../drivers';
import {
  controlDeviceOf,
  controlDriverOf,
  type ControlDevice,
  type ControlDriver,
  type ControlHello,
} from '../../daemon/control-protocol';
import { addConfigOptions, commandConfig } from '../config-options';
import { withDaemon } from '../daemon-choice';
import { printJson, printTable } from '../output';
import type { CliIo } from '../io';
import { withRuntime } from '../with-runtime';

/** Longest wait for the first enumeration and the status/serial reads of what it found. */
const SETTLE_TIMEOUT_MS = 10_000;

interface DevicesFlags {
  json?: boolean;
}

interface Listing {
  readonly drivers: ControlDriver[];
  readonly devices: ControlDevice[];
}

/** `tokenbridge devices`: which drivers work here and which tokens are attached now. */
export function register(program: Command, io: CliIo): void {
  addConfigOptions(
    program
      .command('devices')
      .description(
        'List the drivers and the tokens attached now: those of the running daemon when one runs ' +
          '(asked over its control socket), else found by opening the drivers here.',
      ),
    ['drivers', 'server.controlSocket'],
  )
    .option('--json', 'print { daemon, drivers, devices } as JSON (daemon: null when none runs)')
    .action(async (opts: Record<string, unknown> & DevicesFlags) => {
      const { config } = commandConfig(io, opts);
      const fromDaemon = await withDaemon(config, opts, 'devices', async (link) => ({
        daemon: link.hello,
        listing: await link.request('devices', {}),
      }));
      if (fromDaemon) return print(io, opts, fromDaemon.listing, fromDaemon.daemon);
      await withRuntime(io, opts, async (runtime) => {
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
          print(
            io,
            opts,
            {
              drivers: manager.driverStatus().map(controlDriverOf),
              devices: manager.devices().map(controlDeviceOf),
            },
            undefined,
          );
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
      });
    });
}

function print(
  io: CliIo,
  flags: DevicesFlags,
  listing: Listing,
  daemon: ControlHello | undefined,
): void {
  if (flags.json) {
    printJson(io.stdout, {
      daemon: daemon ? { pid: daemon.pid, version: daemon.version, url: daemon.url } : null,
      ...listing,
    });
    return;
  }
  if (daemon) io.stdout.write(`The running daemon (pid ${daemon.pid}, ${daemon.url}):\n`);
  io.stdout.write('Drivers:\n');
  for (const s of listing.drivers) io.stdout.write(`  ${formatAvailability(s)}\n`);
  if (listing.devices.length === 0) {
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
    listing.devices.map((d) => ({ ...d, serial: d.serial ?? 'hidden' })),
  );
}
