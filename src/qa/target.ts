import type { VirtualToken, VirtualTokenSpec } from '../../drivers/virtual';
import type { RegistryItem } from './registry';

/** A `set-clock` change: an absolute time or a jump. */
export type ClockChange = { readonly at: number } | { readonly advance: number };

/** A token on the daemon's bus; detach() takes it off again. */
export interface AttachedToken {
  readonly token: VirtualToken;
  detach(): Promise<void>;
}

/**
 * The daemon a scenario runs against: one started in this process, or a running one reached over
 * its WebSocket and emulator socket. The runner only talks to it through this.
 */
export interface QaTarget {
  readonly wsUrl: string;
  /** The Origin clients connect with unless the scenario gives one. */
  readonly origin: string;
  /** Where the daemon runs, for the report. */
  readonly description: string;
  /** A token with this target's clock. */
  createToken(spec: VirtualTokenSpec): VirtualToken;
  attach(token: VirtualToken): Promise<AttachedToken>;
  importRegistry(items: readonly RegistryItem[]): Promise<void>;
  /** Throws when the daemon's clock is not ours to move. */
  setClock(change: ClockChange): void;
  close(): Promise<void>;
}
