import {
  asTokenBridgeError,
  type Clock,
  type DeviceInfo,
  type Driver,
  ErrorCode,
  type Logger,
  redactOtp,
  systemClock,
  type TokenBridgeError,
} from '../core';
import type { OtpClassification, YubiOtpSession } from '../yubikey';
import { DeviceSession, type DeviceSessionOptions, type Identity } from './device-session';
import { EventHub } from './event-hub';
import { Hotplug } from './hotplug';
import { mayBeSameKey, outranks, deviceIdFor, sameLocation } from './merge';
import {
  deviceEvent,
  otpEvent,
  type TrackedInterface,
  type InterfaceState,
  interfaceKey,
} from './tracked-interface';
import {
  type AttachedDevice,
  DEFAULT_DEBOUNCE_MS,
  DEFAULT_GARBAGE_LIMIT,
  DEFAULT_GARBAGE_WINDOW_MS,
  DEFAULT_RETRY_ATTEMPTS,
  DEFAULT_RETRY_DELAY_MS,
  type DeviceManagerEvents,
  type DeviceManagerOptions,
  type DriverStatus,
} from './types';

/**
 * Finds tokens through every driver, keeps one session per key, and turns their keystrokes into
 * `otp` events. Hotplug: drivers with watch() re-enumerate after a debounce; the others are polled
 * by one unref'd timer. A key seen through two drivers is used once (by location, else by serial).
 * Faults stay with their device: it is reported, closed and retried with backoff.
 */
export class DeviceManager {
  private readonly drivers: readonly Driver[];
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly hub: EventHub<DeviceManagerEvents>;
  private readonly exclusive: boolean;
  private readonly retryAttempts: number;
  private readonly retryDelayMs: number;
  private readonly sessionOptions: DeviceSessionOptions;
  private readonly interfaces = new Map<string, TrackedInterface>();
  private readonly hotplug: Hotplug;
  private readonly tasks = new Set<Promise<void>>();
  private readonly inFlight = new Set<TrackedInterface>();
  private readonly enumerateFailures = new Map<string, string>();
  private status: DriverStatus[] = [];
  private starting: Promise<void> | undefined;
  /** While the first enumerations run, nothing is opened: all interfaces are known before choosing. */
  private initialScan = true;
  private stopping: Promise<void> | undefined;

  constructor(options: DeviceManagerOptions) {
    this.drivers = [...options.drivers];
    this.log = options.logger.child({ module: 'devices' });
    this.clock = options.clock ?? systemClock;
    this.hub = new EventHub(this.log);
    this.hotplug = new Hotplug({
      logger: this.log,
      clock: this.clock,
      pollIntervalMs: options.pollIntervalMs,
      debounceMs: options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
      handlers: {
        found: (driver, infos) => this.found(driver, infos),
        failed: (driver, err) => this.enumerateFailed(driver, err),
      },
    });
    this.exclusive = options.exclusive;
    this.retryAttempts = options.retry?.attempts ?? DEFAULT_RETRY_ATTEMPTS;
    this.retryDelayMs = options.retry?.delayMs ?? DEFAULT_RETRY_DELAY_MS;
    this.sessionOptions = {
      logger: this.log,
      clock: this.clock,
      otpTimeoutMs: options.otpTimeoutMs,
      hotpDigits: options.hotpDigits,
      garbageLimit: options.garbage?.limit ?? DEFAULT_GARBAGE_LIMIT,
      garbageWindowMs: options.garbage?.windowMs ?? DEFAULT_GARBAGE_WINDOW_MS,
      session: options.session ?? {},
    };
  }

  on<E extends keyof DeviceManagerEvents>(event: E, listener: DeviceManagerEvents[E]): () => void {
    return this.hub.on(event, listener);
  }

  /** Resolves once every available driver was enumerated and what it found was opened (or failed). */
  start(): Promise<void> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  /** Closes every device and releases timers and hotplug subscriptions. Drivers stay the caller's. */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  /** The tokens attached now. */
  devices(): AttachedDevice[] {
    return [...this.interfaces.values()]
      .filter((s) => s.state === 'active' && s.event)
      .map((s) => s.event!);
  }

  /**
   * The OTP session of an attached device, for commands beyond the status and serial read at
   * attach time. It is the device's only session: its exchanges queue behind each other.
   */
  session(id: string): YubiOtpSession | undefined {
    for (const iface of this.interfaces.values()) {
      if (iface.id === id && iface.state === 'active') return iface.device?.session;
    }
    return undefined;
  }

  /** Each driver's availability as found by start(), and how it is watched. */
  driverStatus(): DriverStatus[] {
    return [...this.status];
  }

  /** Resolves when no open or identification is in flight. */
  async settled(): Promise<void> {
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
  }

  private async startOnce(): Promise<void> {
    if (this.stopped) return;
    this.status = await this.hotplug.add(this.drivers);
    for (const s of this.status.filter((s) => !s.available)) {
      this.log.warn({ driver: s.name, reason: s.reason }, 'driver unavailable');
      this.emitError(s.name, undefined, ErrorCode.DRIVER_UNAVAILABLE, s.reason ?? 'unavailable');
    }
    await this.hotplug.scanAll();
    this.initialScan = false;
    await this.reconcile();
    await this.settled();
    this.hotplug.startPolling();
  }

  private async stopOnce(): Promise<void> {
    await this.starting?.catch(() => undefined);
    for (const iface of this.interfaces.values()) {
      iface.retryTimer?.clear();
      iface.abort?.abort();
    }
    await this.hotplug.stop();
    await this.settled();
    for (const iface of this.interfaces.values()) await this.deactivate(iface, 'gone');
    this.interfaces.clear();
    this.log.debug('stopped');
  }

  private get stopped(): boolean {
    return this.stopping !== undefined;
  }

  private async found(driver: Driver, infos: readonly DeviceInfo[]): Promise<void> {
    if (this.stopped) return;
    if (this.enumerateFailures.delete(driver.name)) {
      this.log.info({ driver: driver.name }, 'enumeration works again');
    }
    const present = new Map(infos.map((info) => [interfaceKey(info), info]));
    for (const iface of [...this.interfaces.values()]) {
      if (iface.driver === driver && !present.has(iface.key)) await this.remove(iface);
    }
    for (const [key, info] of present) {
      const iface = this.interfaces.get(key);
      if (!iface) {
        this.interfaces.set(key, {
          key,
          driver,
          info,
          id: deviceIdFor(info),
          state: 'idle',
          removed: false,
          attempts: 0,
          retryDue: false,
          interrupted: false,
        });
      } else if (iface.state === 'gone') {
        iface.info = info;
        iface.state = 'idle'; // plugged back before the enumeration noticed it was away
      }
    }
    await this.reconcile();
  }

  private enumerateFailed(driver: Driver, err: TokenBridgeError): void {
    // Polling repeats a failure every interval: report it when it starts or changes, not each time.
    if (this.enumerateFailures.get(driver.name) === err.code) return;
    this.enumerateFailures.set(driver.name, err.code);
    this.log.warn({ driver: driver.name, code: err.code }, 'enumeration failed');
    this.emitError(driver.name, undefined, err.code, err.message);
  }

  /** Opens what should be open: new interfaces, due retries, standbys whose better twin went away. */
  private async reconcile(): Promise<void> {
    if (this.stopped || this.initialScan) return;
    for (const iface of [...this.interfaces.values()]) {
      if (iface.removed) continue;
      if (iface.state === 'idle' || (iface.state === 'failed' && iface.retryDue)) {
        await this.consider(iface);
      } else if (iface.state === 'standby') {
        const holder = this.holderOf(iface);
        if (
          !holder ||
          (holder.state === 'active' && outranks(iface.info, holder.info, this.exclusive))
        ) {
          await this.consider(iface);
        }
      }
    }
  }

  /** The interface that keeps `iface` on standby: the same key, in use or being opened. */
  private holderOf(iface: TrackedInterface): TrackedInterface | undefined {
    for (const other of this.interfaces.values()) {
      if (other === iface || (other.state !== 'active' && other.state !== 'opening')) continue;
      if (sameLocation(iface.info, other.info)) return other;
      if (
        other.driver !== iface.driver &&
        iface.serial !== undefined &&
        other.serial === iface.serial
      ) {
        return other;
      }
    }
    return undefined;
  }

  private async consider(iface: TrackedInterface): Promise<void> {
    const rivals = [...this.interfaces.values()].filter(
      (o) => o !== iface && !o.removed && sameLocation(iface.info, o.info),
    );
    // The key is in use, or about to be, through a better interface: never open this one.
    const better = rivals.find(
      (o) =>
        (o.state === 'idle' || o.state === 'opening' || o.state === 'active') &&
        outranks(o.info, iface.info, this.exclusive),
    );
    const current = rivals.find((o) => o.state === 'active' || o.state === 'opening');
    if (
      better ||
      current?.state === 'opening' ||
      (current && !outranks(iface.info, current.info, this.exclusive))
    ) {
      iface.state = 'standby';
      this.log.debug(
        { device: iface.id, driver: iface.driver.name },
        'same key as another interface',
      );
      return;
    }
    // Close the weaker interface first: a usb claim takes the key away from hidraw anyway.
    if (current) await this.deactivate(current, 'standby');
    this.track(this.open(iface));
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  private async open(iface: TrackedInterface): Promise<void> {
    iface.state = 'opening';
    iface.attempts += 1;
    iface.retryDue = false;
    const abort = new AbortController();
    iface.abort = abort;
    // Feature reports of two drivers must not interleave on what may be one key.
    const waits = [...this.inFlight]
      .filter((o) => mayBeSameKey(o.info, iface.info))
      .map((o) => o.identifying);
    let done!: () => void;
    iface.identifying = new Promise<void>((resolve) => (done = resolve));
    this.inFlight.add(iface);
    try {
      await Promise.all(waits);
      if (abort.signal.aborted) return;
      const connection = await iface.driver.open(iface.info);
      const device = new DeviceSession(connection, {
        ...this.sessionOptions,
        logger: this.log.child({ device: iface.id }),
      });
      iface.device = device;
      if (abort.signal.aborted) return void (await this.closeDevice(iface));
      const identity = await device.identify(abort.signal);
      if (abort.signal.aborted) return void (await this.closeDevice(iface));
      iface.serial = identity.serial;
      const twin = this.serialTwin(iface);
      if (twin) {
        if (!outranks(iface.info, twin.info, this.exclusive)) {
          await this.closeDevice(iface);
          iface.state = 'standby';
          this.log.debug({ device: iface.id, twin: twin.id }, 'same serial as an open key');
          return;
        }
        await this.deactivate(twin, 'standby');
      }
      this.activate(iface, device, identity);
    } catch (err) {
      await this.failed(iface, asTokenBridgeError(err));
    } finally {
      this.inFlight.delete(iface);
      done();
      iface.abort = undefined;
    }
    await this.reconcile();
  }

  private serialTwin(iface: TrackedInterface): TrackedInterface | undefined {
    if (iface.serial === undefined) return undefined;
    return [...this.interfaces.values()].find(
      (o) =>
        o !== iface &&
        o.driver !== iface.driver &&
        o.state === 'active' &&
        o.serial === iface.serial,
    );
  }

  private activate(iface: TrackedInterface, device: DeviceSession, identity: Identity): void {
    const event = deviceEvent(iface, identity, this.clock.now());
    iface.state = 'active';
    iface.event = event;
    iface.attempts = 0;
    this.log.info(
      { device: iface.id, driver: event.driver, model: event.model, firmware: event.firmware },
      'attached',
    );
    this.hub.emit('attached', event);
    device.activate(
      {
        otp: (otp) => this.emitOtp(iface, otp),
        ended: (err) => void this.ended(iface, err),
      },
      iface.interrupted,
    );
    iface.interrupted = false;
  }

  private emitOtp(iface: TrackedInterface, otp: OtpClassification): void {
    const event = otpEvent(iface, otp, this.clock.now());
    this.log.info({ device: iface.id, format: event.format, otp: redactOtp(event.otp) }, 'otp');
    this.hub.emit('otp', event);
  }

  /** The active connection ended on its own (unplug, I/O error, garbage flood). */
  private async ended(iface: TrackedInterface, err: TokenBridgeError): Promise<void> {
    if (iface.state !== 'active' || this.stopped) return;
    iface.interrupted = !isGone(err);
    await this.deactivate(iface, 'gone');
    await this.failed(iface, err);
  }

  private async failed(iface: TrackedInterface, err: TokenBridgeError): Promise<void> {
    await this.closeDevice(iface);
    if (this.stopped || iface.removed) return;
    if (isGone(err)) {
      // Unplugged: the driver's next enumeration decides whether it is away or back.
      iface.state = 'gone';
      this.log.debug({ device: iface.id }, 'connection ended');
      this.hotplug.soon(iface.driver);
      return;
    }
    this.log.warn({ device: iface.id, driver: iface.info.driver, code: err.code }, 'device failed');
    this.emitError(iface.info.driver, iface.id, err.code, err.message);
    if (iface.attempts > this.retryAttempts) {
      iface.state = 'given-up';
      this.log.warn({ device: iface.id, attempts: iface.attempts }, 'giving up until replugged');
      return;
    }
    iface.state = 'failed';
    const delay = this.retryDelayMs * 2 ** (iface.attempts - 1);
    iface.retryTimer = this.clock.setTimeout(() => {
      iface.retryTimer = undefined;
      iface.retryDue = true;
      void this.hotplug.scan(iface.driver);
    }, delay);
  }

  /** No longer enumerated: close it if open and forget it. */
  private async remove(iface: TrackedInterface): Promise<void> {
    iface.removed = true;
    this.interfaces.delete(iface.key);
    iface.retryTimer?.clear();
    iface.abort?.abort();
    await this.deactivate(iface, 'gone');
  }

  /** Closes an active interface's device and reports it detached. */
  private async deactivate(iface: TrackedInterface, next: InterfaceState): Promise<void> {
    const event = iface.state === 'active' ? iface.event : undefined;
    if (iface.state === 'active') iface.state = next;
    iface.event = undefined;
    await this.closeDevice(iface);
    if (event) {
      this.log.info({ device: iface.id, driver: event.driver }, 'detached');
      this.hub.emit('detached', { ...event, time: this.clock.now() });
    }
  }

  private async closeDevice(iface: TrackedInterface): Promise<void> {
    const device = iface.device;
    iface.device = undefined;
    await device?.close();
  }

  private emitError(driver: string, id: string | undefined, code: string, message: string): void {
    this.hub.emit('error', {
      ...(id !== undefined ? { deviceId: id } : {}),
      driver,
      code,
      message,
      time: this.clock.now(),
    });
  }
}

/** The connection ended because the key went away (unplugged), not because of what it sent. */
function isGone(err: TokenBridgeError): boolean {
  return err.code === ErrorCode.DEVICE_GONE || err.code === ErrorCode.DEVICE_CLOSED;
}
