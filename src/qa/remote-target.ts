import { connectEmulator, VirtualToken, type VirtualTokenSpec } from '../../drivers/virtual';
import { UsageError } from '../core';
import type { Runtime } from '../runtime';
import { applyRegistry, type RegistryItem } from './registry';
import type { AttachedToken, ClockChange, QaTarget } from './target';

export interface RemoteTargetOptions {
  /** ws://127.0.0.1:PORT/ws */
  readonly wsUrl: string;
  /** Default: the daemon's own page origin, http://HOST:PORT. */
  readonly origin?: string;
  /**
   * The parts of the daemon's configuration: its emulator socket (tokens attach through it) and
   * its registry (for scenarios with `registry` entries).
   */
  readonly runtime: Runtime;
}

/**
 * A daemon that is already running (`tokenbridge serve`): clients connect to its WebSocket, tokens
 * run here and attach over its emulator bus, like `tokenbridge emulate`, so presses and faults work.
 */
export class RemoteTarget implements QaTarget {
  readonly wsUrl: string;
  readonly origin: string;
  readonly description: string;

  constructor(private readonly options: RemoteTargetOptions) {
    this.wsUrl = options.wsUrl;
    this.origin = options.origin ?? defaultOrigin(options.wsUrl);
    this.description = `daemon at ${options.wsUrl}`;
  }

  createToken(spec: VirtualTokenSpec): VirtualToken {
    return new VirtualToken(spec);
  }

  async attach(token: VirtualToken): Promise<AttachedToken> {
    const client = await connectEmulator(this.options.runtime.config.drivers.emulatorSocket, token);
    return {
      token,
      detach: async () => {
        await client.close();
        token.unplug();
      },
    };
  }

  async importRegistry(items: readonly RegistryItem[]): Promise<void> {
    if (items.length === 0) return;
    await applyRegistry(await this.options.runtime.store(), items);
  }

  setClock(_change: ClockChange): void {
    throw new UsageError(
      'set-clock moves only the clock of an in-process daemon (run without --daemon)',
    );
  }

  /** The daemon runs on; the runtime is the caller's to close after the last file. */
  async close(): Promise<void> {}
}

/** The daemon's own page: the only origin it allows unless configured otherwise. */
export function defaultOrigin(wsUrl: string): string {
  const url = new URL(wsUrl);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new UsageError(`--daemon: expected a ws:// URL, got "${wsUrl}"`);
  return `${url.protocol === 'wss:' ? 'https' : 'http'}://${url.host}`;
}
