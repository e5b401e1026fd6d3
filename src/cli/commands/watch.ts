import type { Command } from 'commander';
import type { ServerEvent } from '../../api';
import { counted, redactOtp } from '../../core';
import { forwardDeviceEvents } from '../../daemon/backend-devices';
import type { Runtime } from '../../runtime';
import { addConfigOptions, commandConfig } from '../config-options';
import { withDaemon } from '../daemon-choice';
import type { DaemonLink } from '../daemon-link';
import { EXIT_FAILURE, ExitStatus, type CliIo } from '../io';
import { keyControl, lineControl, TokenControl } from '../virtual-keys';
import { withRuntime } from '../with-runtime';

interface WatchOptions {
  json?: boolean;
  reveal?: boolean;
}

/** The events a page receives about devices: what `watch` prints, from a daemon or on its own. */
type DeviceApiEvent = Extract<ServerEvent, { type: 'device.attached' | 'device.detached' | 'otp' }>;

/** `tokenbridge watch`: one line per event the page sees, until quit or a signal. */
export function register(program: Command, io: CliIo): void {
  addConfigOptions(
    program
      .command('watch')
      .description(
        'Print each event the page receives (device.attached, device.detached, otp) as it ' +
          "happens: the running daemon's when one runs (over its control socket), else from the " +
          'drivers opened here.',
      ),
    ['drivers', 'server.controlSocket'],
  )
    .option('--json', 'print one JSON object per line: the event as the page gets it, and time')
    .option('--reveal', 'print OTPs in full (redacted by default)')
    .action(async (opts: Record<string, unknown> & WatchOptions) => {
      const { config } = commandConfig(io, opts);
      const watched = await withDaemon(config, opts, 'watch', async (link) => {
        await watchDaemon(link, opts, io);
        return true;
      });
      if (!watched) await withRuntime(io, opts, (runtime) => watchLocal(runtime, opts, io));
    });
}

/** Until SIGINT/SIGTERM or `quit`; `stop` ends it early with an exit status. */
async function untilQuit(
  io: CliIo,
  start: (quit: (status?: number) => void) => Promise<Array<() => void>>,
): Promise<void> {
  let quit!: (status?: number) => void;
  const quitting = new Promise<number | undefined>((resolve) => (quit = resolve));
  const onSignal = () => quit();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stops: Array<() => void> = [];
  try {
    stops.push(...(await start(quit)));
    const status = await quitting;
    if (status !== undefined) throw new ExitStatus(status);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    for (const stop of stops) stop();
  }
}

async function watchDaemon(link: DaemonLink, opts: WatchOptions, io: CliIo): Promise<void> {
  const print = printer(io, opts);
  await untilQuit(io, async (quit) => {
    link.onEvent((event) => {
      if (isDeviceEvent(event)) print(event);
    });
    link.onClose((reason) => {
      io.stderr.write(
        `tokenbridge: ${reason?.message ?? 'the daemon closed the control channel'}\n`,
      );
      quit(EXIT_FAILURE);
    });
    const { devices } = await link.request('watch', {});
    const { pid, url } = link.hello;
    const count = counted(devices.length, 'token');
    io.stderr.write(
      `tokenbridge: watching the running daemon (pid ${pid}, ${url}), ${count} attached\n`,
    );
    // A terminal's Ctrl-C is SIGINT; a pipe may say quit. There are no tokens here to press.
    return io.stdin.isTTY ? [] : [lineControl(io, new TokenControl(undefined, [], io), quit)];
  });
}

async function watchLocal(runtime: Runtime, opts: WatchOptions, io: CliIo): Promise<void> {
  const manager = runtime.devices();
  const { virtual, virtualTokens } = runtime.drivers();
  const print = printer(io, opts);
  await untilQuit(io, async (quit) => {
    const stops = [
      forwardDeviceEvents(manager, (event) => {
        if (isDeviceEvent(event)) print(event);
      }),
      // Not something the page sees: the reason a token could not be used, for the person here.
      manager.on('error', (e) =>
        io.stderr.write(
          `tokenbridge: warning: ${e.driver}${e.deviceId ? ` ${e.deviceId}` : ''}: ${e.code}: ${e.message}\n`,
        ),
      ),
    ];
    // The virtual bus also takes tokens from `tokenbridge emulate` in another terminal; watching
    // the local tokens is still useful without it.
    const socketProblem = await runtime.listenForEmulators();
    if (socketProblem !== undefined)
      io.stderr.write(`tokenbridge: warning: emulator socket not available: ${socketProblem}\n`);
    await manager.start();
    const control = new TokenControl(virtual, virtualTokens, io);
    const tty = io.stdin.isTTY && io.stdin.setRawMode && virtualTokens.length > 0;
    stops.push(tty ? keyControl(io, control, quit) : lineControl(io, control, quit));
    return stops;
  });
}

function isDeviceEvent(event: ServerEvent): event is DeviceApiEvent {
  return (
    event.type === 'device.attached' || event.type === 'device.detached' || event.type === 'otp'
  );
}

const WORDS: Record<DeviceApiEvent['type'], string> = {
  'device.attached': 'attached',
  'device.detached': 'detached',
  otp: 'otp',
};

function printer(io: CliIo, opts: WatchOptions) {
  const shown = (otp: string) => (opts.reveal ? otp : redactOtp(otp));
  return (event: DeviceApiEvent): void => {
    const time = new Date().toISOString();
    if (opts.json) {
      const body = event.type === 'otp' ? { ...event, otp: shown(event.otp) } : event;
      io.stdout.write(JSON.stringify({ ...body, time }) + '\n');
      return;
    }
    io.stdout.write(`${time} ${WORDS[event.type].padEnd(8)} ${describe(event, shown)}\n`);
  };
}

function describe(event: DeviceApiEvent, shown: (otp: string) => string): string {
  if (event.type === 'otp') {
    const serial = event.serial !== undefined ? `serial ${event.serial}` : 'serial hidden';
    return `${event.deviceId} ${serial} ${event.format} ${shown(event.otp)}`;
  }
  const d = event.device;
  const serial = d.serial !== undefined ? `serial ${d.serial}` : 'serial hidden';
  return `${d.id} ${d.driver} ${d.model} ${serial} fw ${d.firmware ?? '?'} ${d.access}`;
}
