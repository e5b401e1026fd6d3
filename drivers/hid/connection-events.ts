import type { HidConnectionEvents, Logger } from '../../src/core';

type Listener<E extends keyof HidConnectionEvents> = HidConnectionEvents[E];

/**
 * The listener sets behind HidConnection.on, shared by the hid and usb connections. A listener that
 * throws is logged and does not stop the others or the driver.
 */
export class ConnectionEvents {
  private readonly sets: { [E in keyof HidConnectionEvents]: Set<Listener<E>> } = {
    input: new Set(),
    error: new Set(),
    close: new Set(),
  };

  constructor(private readonly log: Logger) {}

  on<E extends keyof HidConnectionEvents>(event: E, listener: Listener<E>): () => void {
    const set = this.sets[event] as Set<Listener<E>>;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<E extends keyof HidConnectionEvents>(event: E, ...args: Parameters<Listener<E>>): void {
    for (const listener of [...(this.sets[event] as Set<Listener<E>>)]) {
      try {
        (listener as (...a: Parameters<Listener<E>>) => void)(...args);
      } catch (err) {
        this.log.warn({ err: String(err), event }, 'a connection listener threw');
      }
    }
  }

  clear(): void {
    for (const set of Object.values(this.sets)) set.clear();
  }
}
