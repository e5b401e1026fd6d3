import { asTokenBridgeError, type Clock, type Driver, type Logger, type Timer } from '../core';
import { DriverScanner, type ScanHandlers } from './driver-scanner';
import type { DriverStatus } from './types';

export interface HotplugOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly pollIntervalMs: number;
  readonly debounceMs: number;
  readonly handlers: ScanHandlers;
}

/**
 * When each driver is enumerated: drivers with watch() after a debounce of their hotplug events,
 * the others by one poll timer shared by all of them (unref'd; the next poll is armed only when
 * the previous one is done, so enumerations never pile up).
 */
export class Hotplug {
  private readonly scanners = new Map<Driver, DriverScanner>();
  private readonly polled: DriverScanner[] = [];
  private readonly unwatch: Array<() => void> = [];
  private pollTimer: Timer | undefined;
  private stopped = false;

  constructor(private readonly options: HotplugOptions) {}

  /** Checks each driver's availability and subscribes the available ones; never throws. */
  async add(drivers: readonly Driver[]): Promise<DriverStatus[]> {
    const statuses: DriverStatus[] = [];
    for (const driver of drivers) {
      const availability = await driver.availability().catch((err: unknown) => ({
        available: false as const,
        reason: asTokenBridgeError(err).message,
      }));
      if (!availability.available) {
        const fix = 'fix' in availability ? availability.fix : undefined;
        statuses.push({
          name: driver.name,
          available: false,
          reason: availability.reason,
          ...(fix ? { fix } : {}),
        });
        continue;
      }
      const scanner = new DriverScanner(driver, this.options.handlers, this.options.clock);
      this.scanners.set(driver, scanner);
      if (driver.watch) {
        const onEvent = () => scanner.debounce(this.options.debounceMs);
        this.unwatch.push(driver.watch({ attached: onEvent, detached: onEvent }));
      } else {
        this.polled.push(scanner);
      }
      statuses.push({
        name: driver.name,
        available: true,
        hotplug: driver.watch ? 'events' : 'polling',
      });
    }
    return statuses;
  }

  /** Enumerates every available driver once. */
  async scanAll(): Promise<void> {
    await Promise.all([...this.scanners.values()].map((s) => s.scan()));
  }

  scan(driver: Driver): Promise<void> {
    return this.scanners.get(driver)?.scan() ?? Promise.resolve();
  }

  /** Enumerate this driver soon (after the debounce), e.g. when one of its connections ended. */
  soon(driver: Driver): void {
    this.scanners.get(driver)?.debounce(this.options.debounceMs);
  }

  startPolling(): void {
    if (this.stopped || this.polled.length === 0) return;
    this.pollTimer = this.options.clock.setTimeout(() => {
      void Promise.all(this.polled.map((s) => s.scan())).then(() => this.startPolling());
    }, this.options.pollIntervalMs);
  }

  /** Unsubscribes, stops the timers, and waits for enumerations in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pollTimer?.clear();
    this.pollTimer = undefined;
    for (const off of this.unwatch.splice(0)) off();
    await Promise.all([...this.scanners.values()].map((s) => s.stop()));
  }
}
