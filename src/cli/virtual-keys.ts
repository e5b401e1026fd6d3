import { createInterface } from 'node:readline';
import { UsageError } from '../core';
import type { VirtualDriver, VirtualToken } from '../../drivers/virtual';
import type { CliIo } from './io';

/** Longest wait for the daemon to hear a virtual token (open it, listen) before `press`. */
const LISTEN_TIMEOUT_MS = 5000;
const CTRL_C = '\u0003';

/**
 * Presses, unplugs and replugs the --virtual tokens. A press waits for the attach handshake: the
 * device manager has the token open and listens to it (VirtualDriver.listening), so it is heard.
 */
export class TokenControl {
  constructor(
    private readonly bus: Pick<VirtualDriver, 'listening'> | undefined,
    private readonly tokens: readonly VirtualToken[],
    private readonly io: CliIo,
  ) {}

  get count(): number {
    return this.tokens.length;
  }

  /** `long` is a long touch: it triggers slot 2, as on a YubiKey. */
  async run(action: 'press' | 'long' | 'unplug' | 'plug', n: number): Promise<void> {
    const token = this.tokens[n - 1];
    if (!token || !this.bus) {
      throw new UsageError(`no virtual token ${n} (${this.tokens.length} attached with --virtual)`);
    }
    if (action === 'unplug') return token.unplug();
    if (action === 'plug') token.plug();
    await this.heard(this.bus, token);
    if (action === 'press') await token.press();
    if (action === 'long') await token.press(2);
  }

  private heard(bus: Pick<VirtualDriver, 'listening'>, token: VirtualToken): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`virtual token ${token.spec.serial} was not attached in time`)),
        LISTEN_TIMEOUT_MS,
      );
    });
    return Promise.race([bus.listening(token.id), late]).finally(() => clearTimeout(timer));
  }

  report(err: unknown): void {
    this.io.stderr.write(`tokenbridge: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

/**
 * Without a terminal: `press [N]`, `long [N]` (a long touch: slot 2), `unplug [N]`, `plug [N]`,
 * `quit`, one per line, in order.
 */
export function lineControl(io: CliIo, control: TokenControl, quit: () => void): () => void {
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    queue = queue.then(async () => {
      const [word, arg, extra] = line.trim().split(/\s+/);
      if (!word) return;
      if (word === 'quit' && arg === undefined) return quit();
      const n = arg === undefined ? 1 : Number(arg);
      const known = word === 'press' || word === 'long' || word === 'unplug' || word === 'plug';
      if (!known || extra !== undefined || !Number.isSafeInteger(n) || n < 1) {
        return control.report(
          new UsageError(
            `unknown command "${line.trim()}": press [N], long [N], unplug [N], plug [N], quit`,
          ),
        );
      }
      await control.run(word, n).catch((err: unknown) => control.report(err));
    });
  });
  return () => lines.close();
}

/**
 * On a terminal: Enter presses the first token, 2 touches it long (slot 2), u unplugs it, p plugs
 * it back, q quits.
 */
export function keyControl(io: CliIo, control: TokenControl, quit: () => void): () => void {
  const stdin = io.stdin;
  io.stderr.write(
    'keys: Enter presses the first virtual token, 2 touches it long (slot 2), u unplugs it, p plugs it back, q quits\n',
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
          : key === '2'
            ? 'long'
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
