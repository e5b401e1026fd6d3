import type { Driver, Logger } from '../../../src/core';
import {
  DeviceManager,
  type DeviceManagerEvents,
  type DeviceManagerOptions,
} from '../../../src/devices';
import { silentLogger } from '../../../src/core';
import { ManualClock } from '../../helpers/manual-clock';

type EventName = keyof DeviceManagerEvents;
type Payload<E extends EventName> = Parameters<DeviceManagerEvents[E]>[0];

/** Every event a manager emitted, in order, with a way to wait for the next matching one. */
export class EventLog {
  readonly all: Array<{ type: EventName; payload: unknown }> = [];
  private waiters: Array<{ check: () => boolean }> = [];

  constructor(manager: DeviceManager) {
    for (const type of ['attached', 'detached', 'otp', 'error'] as const) {
      const record = (payload: unknown) => {
        this.all.push({ type, payload });
        this.waiters = this.waiters.filter((w) => !w.check());
      };
      manager.on(type, record as DeviceManagerEvents[typeof type]);
    }
  }

  of<E extends EventName>(type: E): Array<Payload<E>> {
    return this.all.filter((e) => e.type === type).map((e) => e.payload as Payload<E>);
  }

  /** The n-th (1-based) event of this type matching `where`, now or when it comes. */
  waitFor<E extends EventName>(
    type: E,
    where: (p: Payload<E>) => boolean = () => true,
    n = 1,
    timeoutMs = 5000,
  ): Promise<Payload<E>> {
    const find = () => this.of(type).filter(where)[n - 1];
    const now = find();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${type} event #${n} within ${timeoutMs} ms; saw ${this.summary()}`));
      }, timeoutMs);
      const waiter = {
        check: () => {
          const hit = find();
          if (hit === undefined) return false;
          clearTimeout(timer);
          resolve(hit);
          return true;
        },
      };
      this.waiters.push(waiter);
    });
  }

  summary(): string {
    return JSON.stringify(this.all.map((e) => e.type));
  }
}

/** Fast timings for tests: no reclaim waits, short report timeouts and debounce, quick retries. */
export const FAST: Omit<DeviceManagerOptions, 'drivers' | 'logger'> = {
  debounceMs: 10,
  pollIntervalMs: 25,
  exclusive: false,
  retry: { attempts: 3, delayMs: 20 },
  session: { reclaimAttempts: 1, timings: { reportTimeoutMs: 150 } },
};

const managers: Array<() => Promise<void>> = [];

export function makeManager(
  drivers: Driver[],
  options: Partial<DeviceManagerOptions> = {},
): { manager: DeviceManager; log: EventLog } {
  const manager = new DeviceManager({ drivers, logger: silentLogger(), ...FAST, ...options });
  const { clock } = options;
  // On a manual clock an open in flight waits for time to pass (a protocol poll) before it stops.
  managers.push(() =>
    clock instanceof ManualClock ? clock.runUntil(manager.stop()) : manager.stop(),
  );
  return { manager, log: new EventLog(manager) };
}

/** For afterEach: stops every manager made by makeManager. */
export async function stopManagers(): Promise<void> {
  await Promise.all(managers.splice(0).map((stop) => stop()));
}

export interface LogEntry {
  level: string;
  obj: unknown;
  msg: string | undefined;
}

/** A Logger that keeps every entry (children included) for assertions on what was logged. */
export function recordingLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const at =
      (level: string) =>
      (obj: object | string, msg?: string): void => {
        entries.push(
          typeof obj === 'string'
            ? { level, obj: bindings, msg: obj }
            : { level, obj: { ...bindings, ...obj }, msg },
        );
      };
    return {
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return { logger: make({}), entries };
}
