import type { Command } from 'commander';
import { redactOtp } from '../../core';
import type { DeviceErrorEvent, DeviceEvent, OtpEvent } from '../../devices';
import type { Runtime } from '../../runtime';
import { addConfigOptions } from '../config-options';
import type { CliIo } from '../io';
import { keyControl, lineControl, TokenControl } from '../virtual-keys';
import { withRuntime } from '../with-runtime';
import { deviceJson } from './devices';

interface WatchOptions {
  json?: boolean;
  reveal?: boolean;
}

/** `tokenbridge watch`: one line per device event, until quit or a signal. */
export function register(program: Command, io: CliIo): void {
  addConfigOptions(
    program
      .command('watch')
      .description('Print each device event (attached, detached, otp, error) as it happens.'),
    ['drivers'],
  )
    .option('--json', 'print one JSON object per line')
    .option('--reveal', 'print OTPs in full (redacted by default)')
    .action((opts: Record<string, unknown> & WatchOptions) =>
      withRuntime(io, opts, (runtime) => runWatch(runtime, opts, io)),
    );
}

async function runWatch(runtime: Runtime, opts: WatchOptions, io: CliIo): Promise<void> {
  const manager = runtime.devices();
  const { virtual, virtualTokens } = runtime.drivers();
  const print = printer(io, opts);
  manager.on('attached', (e) => print('attached', e));
  manager.on('detached', (e) => print('detached', e));
  manager.on('otp', (e) => print('otp', e));
  manager.on('error', (e) => print('error', e));

  let quit!: () => void;
  const quitting = new Promise<void>((resolve) => (quit = resolve));
  const onSignal = () => quit();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stopInput: Array<() => void> = [];
  try {
    // The virtual bus also takes tokens from `tokenbridge emulate` in another terminal; watching the
    // local tokens is still useful without it.
    const socketProblem = await runtime.listenForEmulators();
    if (socketProblem !== undefined)
      io.stderr.write(`tokenbridge: warning: emulator socket not available: ${socketProblem}\n`);
    await manager.start();
    const control = new TokenControl(virtual, virtualTokens, io);
    if (io.stdin.isTTY && io.stdin.setRawMode && virtualTokens.length > 0) {
      stopInput.push(keyControl(io, control, quit));
    } else {
      stopInput.push(lineControl(io, control, quit));
    }
    await quitting;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    for (const stop of stopInput) stop();
  }
}

type EventName = 'attached' | 'detached' | 'otp' | 'error';

function printer(io: CliIo, opts: WatchOptions) {
  const shown = (otp: string) => (opts.reveal ? otp : redactOtp(otp));
  return (event: EventName, payload: DeviceEvent | OtpEvent | DeviceErrorEvent): void => {
    const time = new Date(payload.time).toISOString();
    if (opts.json) {
      const body =
        event === 'otp'
          ? { ...(payload as OtpEvent), otp: shown((payload as OtpEvent).otp) }
          : event === 'attached' || event === 'detached'
            ? deviceJson(payload as DeviceEvent)
            : payload;
      io.stdout.write(JSON.stringify({ event, ...body, time }) + '\n');
      return;
    }
    io.stdout.write(`${time} ${event.padEnd(8)} ${describe(event, payload, shown)}\n`);
  };
}

function describe(
  event: EventName,
  payload: DeviceEvent | OtpEvent | DeviceErrorEvent,
  shown: (otp: string) => string,
): string {
  if (event === 'otp') {
    const e = payload as OtpEvent;
    const serial = e.serial !== undefined ? `serial ${e.serial}` : 'serial hidden';
    return `${e.deviceId} ${e.driver} ${serial} ${e.format} ${shown(e.otp)}`;
  }
  if (event === 'error') {
    const e = payload as DeviceErrorEvent;
    return `${e.deviceId ?? '-'} ${e.driver} ${e.code}: ${e.message}`;
  }
  const d = payload as DeviceEvent;
  const serial = d.serial !== undefined ? `serial ${d.serial}` : 'serial hidden';
  return `${d.id} ${d.driver} ${d.model} ${serial} fw ${d.firmware ?? '?'} ${d.access} interface ${d.interfaceNumber}`;
}
