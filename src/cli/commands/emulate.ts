import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { connectEmulator, type EmulatorClient, type VirtualToken } from '../../../drivers/virtual';
import { virtualTokenFor } from '../../runtime/virtual-tokens';
import { asTokenBridgeError, redactOtp } from '../../core';
import { addConfigOptions, commandConfig } from '../config-options';
import { ExitStatus, EXIT_FAILURE, type CliIo } from '../io';

interface EmulateOptions {
  reveal?: boolean;
  json?: boolean;
}

type Action =
  { kind: 'press'; slot: 1 | 2 } | { kind: 'unplug' } | { kind: 'plug' } | { kind: 'quit' };

const CTRL_C = '\u0003';

/** Keys in raw mode: Enter presses slot 1, `2` slot 2, `u` unplugs, `p` plugs back, `q` quits. */
function actionForKey(key: string): Action | undefined {
  if (key === '\r' || key === '\n') return { kind: 'press', slot: 1 };
  if (key === '2') return { kind: 'press', slot: 2 };
  if (key === 'u') return { kind: 'unplug' };
  if (key === 'p') return { kind: 'plug' };
  if (key === 'q' || key === CTRL_C) return { kind: 'quit' };
  return undefined;
}

/** Lines without a terminal: `press`, `press 1`, `press 2`, `unplug`, `plug`, `quit`. */
function actionForLine(line: string): Action | undefined {
  const words = line.trim().split(/\s+/);
  if (words[0] === 'press' && words.length <= 2) {
    if (words[1] === undefined || words[1] === '1') return { kind: 'press', slot: 1 };
    if (words[1] === '2') return { kind: 'press', slot: 2 };
    return undefined;
  }
  if (words.length !== 1) return undefined;
  if (words[0] === 'unplug' || words[0] === 'plug' || words[0] === 'quit') {
    return { kind: words[0] };
  }
  return undefined;
}

/** `tokenbridge emulate SPEC`: a virtual token in this terminal, attached to a running daemon. */
export function register(program: Command, io: CliIo): void {
  const emulate = program
    .command('emulate')
    .description(
      'Run a virtual token attached to a running daemon. Keys: Enter presses the button (slot 1), ' +
        '2 presses slot 2, u unplugs, p plugs back, q quits. Without a terminal, reads the lines ' +
        'press, press 2, unplug, plug, quit. SPEC is KIND[:key=value,...], see docs/virtual-devices.md.',
    )
    .argument('<spec>', 'token spec, e.g. yubikey or hotp:serial=123456,digits=8');
  // The socket and the token's state: the token runs here, everything else is the daemon's.
  addConfigOptions(emulate, [
    'drivers.emulatorSocket',
    'drivers.virtualStateDir',
    'drivers.virtualFresh',
  ])
    .option('--reveal', 'print typed OTPs in full instead of redacted')
    .option('--json', 'one JSON object per event')
    .action(async (specText: string, opts: EmulateOptions & Record<string, unknown>) => {
      const { config } = commandConfig(io, opts);
      const token = virtualTokenFor(specText, config);
      const socketPath = config.drivers.emulatorSocket;
      const client = await connectEmulator(socketPath, token);
      await new EmulatorSession(io, token, client, opts).run(socketPath);
    });
}

class EmulatorSession {
  private queue: Promise<void> = Promise.resolve();
  private finished = false;
  private finish: (err?: unknown) => void = () => undefined;

  constructor(
    private readonly io: CliIo,
    private readonly token: VirtualToken,
    private readonly client: EmulatorClient,
    private readonly opts: EmulateOptions,
  ) {}

  run(socketPath: string): Promise<void> {
    const { io, token } = this;
    const interactive = io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
    this.event('attached', `emulating ${token.id} (${token.model}) on ${socketPath}`, {
      token: token.id,
      model: token.model,
      socket: socketPath,
    });
    if (interactive && !this.opts.json) {
      io.stdout.write('Enter: press slot 1, 2: press slot 2, u: unplug, p: plug, q: quit\n');
    }
    const done = new Promise<void>((resolve, reject) => {
      this.finish = (err?: unknown) => {
        if (this.finished) return;
        this.finished = true;
        if (err === undefined) resolve();
        else reject(err);
      };
    });
    this.client.onClose((reason) => {
      if (this.finished) return;
      this.event(
        'closed',
        `daemon closed the connection${reason ? `: ${reason.message}` : ''}`,
        {},
      );
      this.finish(new ExitStatus(EXIT_FAILURE));
    });
    const stopInput = interactive ? this.readKeys() : this.readLines();
    return done.finally(async () => {
      stopInput();
      token.unplug();
      await this.client.close();
    });
  }

  private readKeys(): () => void {
    const stdin = this.io.stdin;
    stdin.setRawMode?.(true);
    stdin.setEncoding?.('utf8');
    const onData = (data: string | Buffer) => {
      for (const key of String(data)) {
        const action = actionForKey(key);
        if (action) this.enqueue(action);
      }
    };
    stdin.on('data', onData);
    stdin.resume?.();
    return () => {
      stdin.off?.('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause?.();
    };
  }

  private readLines(): () => void {
    const lines = createInterface({ input: this.io.stdin, terminal: false });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      const action = actionForLine(line);
      if (action) this.enqueue(action);
      else this.io.stderr.write(`tokenbridge: unknown emulator command "${line.trim()}"\n`);
    });
    // End of input quits, after everything already read has run.
    lines.on('close', () => this.enqueue({ kind: 'quit' }));
    return () => lines.close();
  }

  private enqueue(action: Action): void {
    this.queue = this.queue.then(() => this.perform(action));
  }

  private async perform(action: Action): Promise<void> {
    if (this.finished) return;
    const { token } = this;
    switch (action.kind) {
      case 'press':
        try {
          const otp = await token.press(action.slot);
          const shown = this.opts.reveal ? otp : redactOtp(otp);
          this.event(
            'typed',
            otp === ''
              ? `slot ${action.slot}: not programmed, typed nothing`
              : `slot ${action.slot}: typed ${shown}`,
            { slot: action.slot, otp: shown },
          );
        } catch (err) {
          this.io.stderr.write(`tokenbridge: press: ${asTokenBridgeError(err).message}\n`);
        }
        break;
      case 'unplug':
        token.unplug();
        this.event('unplugged', 'unplugged', {});
        break;
      case 'plug':
        token.plug();
        this.event('plugged', 'plugged', {});
        break;
      case 'quit':
        this.finish();
        break;
    }
  }

  private event(name: string, text: string, fields: Record<string, unknown>): void {
    if (this.opts.json) this.io.stdout.write(JSON.stringify({ event: name, ...fields }) + '\n');
    else this.io.stdout.write(text + '\n');
  }
}
