import {
  asTokenBridgeError,
  type Clock,
  type DeviceInfo,
  type Driver,
  type Timer,
  type TokenBridgeError,
} from '../core';

export interface ScanHandlers {
  found(driver: Driver, infos: readonly DeviceInfo[]): Promise<void>;
  failed(driver: Driver, err: TokenBridgeError): void;
}

/**
 * Enumerations of one driver, never overlapping: a scan asked for while one runs is folded into a
 * single follow-up scan, so a burst of hotplug events costs at most two enumerations.
 */
export class DriverScanner {
  private running: Promise<void> | undefined;
  private again: Promise<void> | undefined;
  private debounceTimer: Timer | undefined;
  private stopped = false;

  constructor(
    readonly driver: Driver,
    private readonly handlers: ScanHandlers,
    private readonly clock: Clock,
  ) {}

  /** Resolves when an enumeration that started after this call has been handled. */
  scan(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.running) {
      this.running = this.run().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    if (!this.again) {
      this.again = this.running.then(() => {
        this.again = undefined;
        return this.scan();
      });
    }
    return this.again;
  }

  /** A hotplug event: enumerate once things have been quiet for `ms`. */
  debounce(ms: number): void {
    if (this.stopped) return;
    this.debounceTimer?.clear();
    this.debounceTimer = this.clock.setTimeout(() => {
      this.debounceTimer = undefined;
      void this.scan();
    }, ms);
  }

  /** No new scans; resolves when the one running (if any) is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.debounceTimer?.clear();
    this.debounceTimer = undefined;
    await this.running;
  }

  private async run(): Promise<void> {
    let infos: DeviceInfo[];
    try {
      infos = await this.driver.enumerate();
    } catch (err) {
      if (!this.stopped) this.handlers.failed(this.driver, asTokenBridgeError(err));
      return;
    }
    if (!this.stopped) await this.handlers.found(this.driver, infos);
  }
}
