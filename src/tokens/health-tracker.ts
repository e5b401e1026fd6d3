import { ErrorCode, TokenBridgeError } from '../core';
import type { StoreHealth } from './registry';

/** Codes that say the registry itself is in trouble (not that one request was wrong). */
const FAULT_CODES: ReadonlySet<string> = new Set([
  ErrorCode.STORE_IO,
  ErrorCode.STORE_CORRUPT,
  ErrorCode.STORE_UNAVAILABLE,
  ErrorCode.KEY_FILE,
]);

/**
 * A store's health as its operations find it: a fault (I/O, damage, the server out of reach) makes
 * it unhealthy with a reason fit for /healthz, the next success makes it healthy again. Damage is
 * sticky: a file that failed an integrity check does not heal because one read worked.
 */
export class HealthTracker {
  private state: StoreHealth = { ok: true };

  get current(): StoreHealth {
    return this.state;
  }

  succeeded(): void {
    if (!this.state.ok && this.state.code !== ErrorCode.STORE_CORRUPT) this.state = { ok: true };
  }

  /** Records `err` when it is a fault of the store; returns it unchanged. */
  failed<E>(err: E, reason?: string): E {
    if (err instanceof TokenBridgeError && FAULT_CODES.has(err.code)) {
      if (this.state.ok || this.state.code !== ErrorCode.STORE_CORRUPT) {
        this.state = { ok: false, code: err.code, reason: reason ?? reasonOf(err) };
      }
    }
    return err;
  }

  /** Sets the state directly (a store that could not be opened at all). */
  set(health: StoreHealth): void {
    this.state = health;
  }
}

/** The message without the file's path: /healthz answers anyone on the machine. */
function reasonOf(err: TokenBridgeError): string {
  return err.message.replace(/store \/\S+ /g, 'store ');
}
