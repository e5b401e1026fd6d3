import { connectEmulator, VirtualToken, type VirtualTokenSpec } from '../../drivers/virtual';
import { UsageError } from '../core';
import { SqliteTokenStore } from '../tokens';
import { applyRegistry, type RegistryItem } from './registry';
import type { AttachedToken, ClockChange, QaTarget } from './target';

export interface RemoteTargetOptions {
  /** ws://127.0.0.1:PORT/ws */
  readonly wsUrl: string;
  /** The daemon's emulator socket; tokens attach through it. */
  readonly socket?: string;
  /** Default: the daemon's own page origin, http://HOST:PORT. */
  readonly origin?: string;
  /** The daemon's registry file and key, for scenarios with `registry` entries. */
  readonly store?: string;
  readonly keyFile?: string;
  readonly env?: NodeJS.ProcessEnv;
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
    if (this.options.socket === undefined) {
      throw new UsageError(
        "tokens need the daemon's emulator socket: give --socket PATH with --daemon",
      );
    }
    const client = await connectEmulator(this.options.socket, token);
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
    if (this.options.store === undefined) {
      throw new UsageError(
        "registry entries need the daemon's registry: give --store PATH (and --key-file) with --daemon",
      );
    }
    const store = SqliteTokenStore.open({
      path: this.options.store,
      ...(this.options.keyFile !== undefined ? { keyFile: this.options.keyFile } : {}),
      env: this.options.env ?? {},
    });
    try {
      await applyRegistry(store, items);
    } finally {
      store.closeSync();
    }
  }

  setClock(_change: ClockChange): void {
    throw new UsageError(
      'set-clock moves only the clock of an in-process daemon (run without --daemon)',
    );
  }

  async close(): Promise<void> {}
}

/** The daemon's own page: the only origin it allows unless configured otherwise. */
export function defaultOrigin(wsUrl: string): string {
  const url = new URL(wsUrl);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new UsageError(`--daemon: expected a ws:// URL, got "${wsUrl}"`);
  return `${url.protocol === 'wss:' ? 'https' : 'http'}://${url.host}`;
}
