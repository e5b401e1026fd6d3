import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { defaultPaths, redactOtp, silentLogger, UsageError } from '../../core';
import {
  DeviceManager,
  type DeviceErrorEvent,
  type DeviceEvent,
  type OtpEvent,
  publicIdFor,
} from '../../devices';
import { infoFor, type VirtualDriver, type VirtualToken } from '../../../drivers/virtual';
import type { CliIo } from '../program';
import { deviceJson, driverFlags, type DriverFlags, setUpDrivers } from './devices';

/** Longest wait for a virtual token to be attached before `press` or after `plug`. */
const ATTACH_TIMEOUT_MS = 5000;
const CTRL_C = '\u0003';

interface WatchOptions extends DriverFlags {
  json?: boolean;
  reveal?: boolean;
  socket?: string;
}

/** `tokenbridge watch`: one line per device event, until quit or a signal. */
export function register(program: Command, io: CliIo): void {
  driverFlags(
    program
      .command('watch')
      .description('Print each device event (attached, detached, otp, error) as it happens.'),
  )
    .option('--json', 'print one JSON object per line')
    .option('--reveal', 'print OTPs in full (redacted by default)')
    .option('--socket <path>', 'emulator socket for `tokenbridge emulate` (default: runtime dir)')
    .action((opts: WatchOptions) => runWatch(opts, io));
}

async function runWatch(opts: WatchOptions, io: CliIo): Promise<void> {
  const logger = silentLogger();
  const setup = setUpDrivers(opts, logger);
  const manager = new DeviceManager({ drivers: setup.drivers, logger });
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
    await listenForEmulators(setup.bus, opts, io);
    await manager.start();
    const control = new TokenControl(manager, setup.tokens, io);
    if (io.stdin.isTTY && io.stdin.setRawMode && setup.tokens.length > 0) {
      stopInput.push(keyControl(io, control, quit));
    } else {
      stopInput.push(lineControl(io, control, quit));
    }
    await quitting;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    for (const stop of stopInput) stop();
    await manager.stop();
    await setup.dispose();
  }
}

/** The virtual bus also takes tokens from `tokenbridge emulate` in another terminal. */
async function listenForEmulators(
  bus: VirtualDriver | undefined,
  opts: WatchOptions,
  io: CliIo,
): Promise<void> {
  if (!bus) return;
  const path = opts.socket ?? defaultPaths(io.env).emulatorSocket;
  try {
    await bus.listen(path);
  } catch (err) {
    // Watching the local tokens is still useful without the emulator socket.
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`tokenbridge: warning: emulator socket not available: ${message}\n`);
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

/** Presses, unplugs and replugs the --virtual tokens, waiting for the manager where it matters. */
class TokenControl {
  constructor(
    private readonly manager: DeviceManager,
    private readonly tokens: readonly VirtualToken[],
    private readonly io: CliIo,
  ) {}

  get count(): number {
    return this.tokens.length;
  }

  async run(action: 'press' | 'unplug' | 'plug', n: number): Promise<void> {
    const token = this.tokens[n - 1];
    if (!token) {
      throw new UsageError(`no virtual token ${n} (${this.tokens.length} attached with --virtual)`);
    }
    if (action === 'unplug') return token.unplug();
    if (action === 'plug') token.plug();
    await this.attached(token);
    if (action === 'press') await token.press();
  }

  private attached(token: VirtualToken): Promise<void> {
    const id = publicIdFor(infoFor(token));
    if (this.manager.devices().some((d) => d.id === id)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`virtual token ${token.spec.serial} was not attached in time`));
      }, ATTACH_TIMEOUT_MS);
      const off = this.manager.on('attached', (e) => {
        if (e.id !== id) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  report(err: unknown): void {
    this.io.stderr.write(`tokenbridge: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

/** Without a terminal: `press [N]`, `unplug [N]`, `plug [N]`, `quit`, one per line, in order. */
function lineControl(io: CliIo, control: TokenControl, quit: () => void): () => void {
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    queue = queue.then(async () => {
      const [word, arg, extra] = line.trim().split(/\s+/);
      if (!word) return;
      if (word === 'quit' && arg === undefined) return quit();
      const n = arg === undefined ? 1 : Number(arg);
      const known = word === 'press' || word === 'unplug' || word === 'plug';
      if (!known || extra !== undefined || !Number.isSafeInteger(n) || n < 1) {
        return control.report(
          new UsageError(`unknown command "${line.trim()}": press [N], unplug [N], plug [N], quit`),
        );
      }
      await control.run(word, n).catch((err: unknown) => control.report(err));
    });
  });
  return () => lines.close();
}

/** On a terminal: Enter presses the first token, u unplugs it, p plugs it back, q quits. */
function keyControl(io: CliIo, control: TokenControl, quit: () => void): () => void {
  const stdin = io.stdin;
  io.stderr.write(
    'keys: Enter presses the first virtual token, u unplugs it, p plugs it back, q quits\n',
  );
  stdin.setRawMode!(true);
  stdin.resume();
  let busy = Promise.resolve();
  const onData = (chunk: Buffer | string) => {
    for (const key of chunk.toString()) {
      if (key === 'q' || key === CTRL_C) return quit();
      const action =
        key === '\r' || key === '\n'
          ? 'press'
          : key === 'u'
            ? 'unplug'
            : key === 'p'
              ? 'plug'
              : undefined;
      if (action)
        busy = busy.then(() => control.run(action, 1).catch((err: unknown) => control.report(err)));
    }
  };
  stdin.on('data', onData);
  return () => {
    stdin.removeListener('data', onData);
    stdin.setRawMode!(false);
    stdin.pause();
  };
}
