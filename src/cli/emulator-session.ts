import { createInterface } from 'node:readline';
import type { EmulatorClient, VirtualToken } from '../../drivers/virtual';
import { asTokenBridgeError, redactOtp } from '../core';
import {
  actionForKey,
  actionForLine,
  CTRL_C,
  EMULATOR_KEYS_HELP,
  type EmulatorAction,
} from './emulator-input';
import { EXIT_FAILURE, ExitStatus, type CliIo } from './io';

/** Longest a press waits for the daemon to open the token (after a plug-in, say). */
export const LISTEN_TIMEOUT_MS = 10_000;

export interface EmulatorSessionOptions {
  readonly reveal?: boolean;
  readonly json?: boolean;
}

/**
 * One `tokenbridge emulate` run: the token attached to the daemon over `client`, driven by keys on
 * a terminal or by lines on stdin, in order. Attaching is a handshake: `ready` is printed when the
 * daemon has opened the token and hears its keystrokes, a press before that is queued (and said
 * so), and a press is reported `typed` only when the daemon confirms it heard every report of it.
 */
export class EmulatorSession {
  private queue: Promise<void> = Promise.resolve();
  private finished = false;
  private finish: (err?: unknown) => void = () => undefined;

  constructor(
    private readonly io: CliIo,
    private readonly token: VirtualToken,
    private readonly client: EmulatorClient,
    private readonly opts: EmulatorSessionOptions,
  ) {}

  run(socketPath: string): Promise<void> {
    const { io, token, client } = this;
    const interactive = io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
    this.event('attached', `emulating ${token.id} (${token.model}) on ${socketPath}`, {
      token: token.id,
      model: token.model,
      socket: socketPath,
    });
    if (interactive && !this.opts.json) io.stdout.write(EMULATOR_KEYS_HELP + '\n');
    const done = new Promise<void>((resolve, reject) => {
      this.finish = (err?: unknown) => {
        if (this.finished) return;
        this.finished = true;
        if (err === undefined) resolve();
        else reject(err);
      };
    });
    const ready = () =>
      this.event('ready', `ready: the daemon has opened ${token.id} and hears it`, {
        token: token.id,
      });
    const offListening = client.onListening((listening) => {
      if (listening && !this.finished) ready();
    });
    if (client.listening) ready();
    client.onClose((reason) => {
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
      offListening();
      stopInput();
      token.unplug();
      await client.close();
    });
  }

  private readKeys(): () => void {
    const stdin = this.io.stdin;
    stdin.setRawMode?.(true);
    stdin.setEncoding?.('utf8');
    const onData = (data: string | Buffer) => {
      for (const key of String(data)) {
        // Ctrl-C leaves at once, even while a press waits for the daemon; q after what came first.
        if (key === CTRL_C) return this.finish();
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

  private enqueue(action: EmulatorAction): void {
    this.queue = this.queue.then(() => this.perform(action));
  }

  private async perform(action: EmulatorAction): Promise<void> {
    if (this.finished) return;
    const { token } = this;
    switch (action.kind) {
      case 'press':
        try {
          await this.press(action.slot);
        } catch (err) {
          if (!this.finished)
            this.io.stderr.write(
              `tokenbridge: press ${action.slot}: ${asTokenBridgeError(err).message}\n`,
            );
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

  /** Waits until the daemon listens, presses, and asks whether every report was heard. */
  private async press(slot: 1 | 2): Promise<void> {
    const { token, client } = this;
    // Unplugged, a press fails at once (token.press says so), as the key would not type either.
    if (token.plugged && !client.listening) {
      this.event(
        'queued',
        `press ${slot} queued: it goes through once the daemon has opened ${token.id}`,
        { slot },
      );
      await client.whenListening(LISTEN_TIMEOUT_MS);
    }
    if (this.finished) return;
    const otp = await token.press(slot);
    if (otp === '')
      throw new Error(`slot ${slot} of ${token.id} is not programmed: it types nothing`);
    const heard = await client.sync();
    const shown = this.opts.reveal ? otp : redactOtp(otp);
    if (heard) this.event('typed', `slot ${slot}: typed ${shown}`, { slot, otp: shown });
    else
      this.event(
        'not-heard',
        `slot ${slot}: typed ${shown}, but the daemon stopped listening before it heard all of it: press again`,
        { slot, otp: shown },
      );
  }

  private event(name: string, text: string, fields: Record<string, unknown>): void {
    if (this.opts.json) this.io.stdout.write(JSON.stringify({ event: name, ...fields }) + '\n');
    else this.io.stdout.write(text + '\n');
  }
}
