import type { Logger } from '../core';

type Listener = (payload: never) => void;

/**
 * Typed events with synchronous delivery. A listener that throws is logged and does not stop the
 * others, nor the device that produced the event.
 */
export class EventHub<Events extends { [K in keyof Events]: (payload: never) => void }> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>();

  constructor(private readonly log: Logger) {}

  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener);
    return () => {
      set.delete(listener as Listener);
    };
  }

  emit<E extends keyof Events>(event: E, payload: Parameters<Events[E]>[0]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (p: typeof payload) => void)(payload);
      } catch (err) {
        this.log.warn(
          { event: String(event), err: err instanceof Error ? err.message : String(err) },
          'an event listener threw',
        );
      }
    }
  }
}
