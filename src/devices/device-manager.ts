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
import { deviceEvent, otpEvent, type Slot, type SlotState, slotKey } from './slot';
import {
  type AttachedDevice,
  DEFAULT_DEBOUNCE_MS,
  DEFAULT_GARBAGE_LIMIT,
  DEFAULT_GARBAGE_WINDOW_MS,
  DEFAULT_POLL_INTERVAL_MS,
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
  private readonly slots = new Map<string, Slot>();
  private readonly hotplug: Hotplug;
  private readonly tasks = new Set<Promise<void>>();
  private readonly inFlight = new Set<Slot>();
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
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      debounceMs: options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
      handlers: {
        found: (driver, infos) => this.found(driver, infos),
        failed: (driver, err) => this.enumerateFailed(driver, err),
      },
    });
    this.exclusive = options.exclusive ?? false;
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
    return [...this.slots.values()]
      .filter((s) => s.state === 'active' && s.event)
      .map((s) => s.event!);
  }

  /**
   * The OTP session of an attached device, for commands beyond the status and serial read at
   * attach time. It is the device's only session: its exchanges queue behind each other.
   */
  session(id: string): YubiOtpSession | undefined {
    for (const slot of this.slots.values()) {
      if (slot.id === id && slot.state === 'active') return slot.device?.session;
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
    for (const slot of this.slots.values()) {
      slot.retryTimer?.clear();
      slot.abort?.abort();
    }
    await this.hotplug.stop();
    await this.settled();
    for (const slot of this.slots.values()) await this.deactivate(slot, 'gone');
    this.slots.clear();
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
    const present = new Map(infos.map((info) => [slotKey(info), info]));
    for (const slot of [...this.slots.values()]) {
      if (slot.driver === driver && !present.has(slot.key)) await this.remove(slot);
    }
    for (const [key, info] of present) {
      const slot = this.slots.get(key);
      if (!slot) {
        this.slots.set(key, {
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
      } else if (slot.state === 'gone') {
        slot.info = info;
        slot.state = 'idle'; // plugged back before the enumeration noticed it was away
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

  /** Opens what should be open: new slots, due retries, and standbys whose better twin went away. */
  private async reconcile(): Promise<void> {
    if (this.stopped || this.initialScan) return;
    for (const slot of [...this.slots.values()]) {
      if (slot.removed) continue;
      if (slot.state === 'idle' || (slot.state === 'failed' && slot.retryDue)) {
        await this.consider(slot);
      } else if (slot.state === 'standby') {
        const holder = this.holderOf(slot);
        if (
          !holder ||
          (holder.state === 'active' && outranks(slot.info, holder.info, this.exclusive))
        ) {
          await this.consider(slot);
        }
      }
    }
  }

  /** The slot that keeps `slot` on standby: the same key, in use or being opened. */
  private holderOf(slot: Slot): Slot | undefined {
    for (const other of this.slots.values()) {
      if (other === slot || (other.state !== 'active' && other.state !== 'opening')) continue;
      if (sameLocation(slot.info, other.info)) return other;
      if (
        other.driver !== slot.driver &&
        slot.serial !== undefined &&
        other.serial === slot.serial
      ) {
        return other;
      }
    }
    return undefined;
  }

  private async consider(slot: Slot): Promise<void> {
    const rivals = [...this.slots.values()].filter(
      (o) => o !== slot && !o.removed && sameLocation(slot.info, o.info),
    );
    // The key is in use, or about to be, through a better interface: never open this one.
    const better = rivals.find(
      (o) =>
        (o.state === 'idle' || o.state === 'opening' || o.state === 'active') &&
        outranks(o.info, slot.info, this.exclusive),
    );
    const current = rivals.find((o) => o.state === 'active' || o.state === 'opening');
    if (
      better ||
      current?.state === 'opening' ||
      (current && !outranks(slot.info, current.info, this.exclusive))
    ) {
      slot.state = 'standby';
      this.log.debug(
        { device: slot.id, driver: slot.driver.name },
        'same key as another interface',
      );
      return;
    }
    // Close the weaker interface first: a usb claim takes the key away from hidraw anyway.
    if (current) await this.deactivate(current, 'standby');
    this.track(this.open(slot));
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  private async open(slot: Slot): Promise<void> {
    slot.state = 'opening';
    slot.attempts += 1;
    slot.retryDue = false;
    const abort = new AbortController();
    slot.abort = abort;
    // Feature reports of two drivers must not interleave on what may be one key.
    const waits = [...this.inFlight]
      .filter((o) => mayBeSameKey(o.info, slot.info))
      .map((o) => o.identifying);
    let done!: () => void;
    slot.identifying = new Promise<void>((resolve) => (done = resolve));
    this.inFlight.add(slot);
    try {
      await Promise.all(waits);
      if (abort.signal.aborted) return;
      const connection = await slot.driver.open(slot.info);
      const device = new DeviceSession(connection, {
        ...this.sessionOptions,
        logger: this.log.child({ device: slot.id }),
      });
      slot.device = device;
      if (abort.signal.aborted) return void (await this.closeDevice(slot));
      const identity = await device.identify(abort.signal);
      if (abort.signal.aborted) return void (await this.closeDevice(slot));
      slot.serial = identity.serial;
      const twin = this.serialTwin(slot);
      if (twin) {
        if (!outranks(slot.info, twin.info, this.exclusive)) {
          await this.closeDevice(slot);
          slot.state = 'standby';
          this.log.debug({ device: slot.id, twin: twin.id }, 'same serial as an open key');
          return;
        }
        await this.deactivate(twin, 'standby');
      }
      this.activate(slot, device, identity);
    } catch (err) {
      await this.failed(slot, asTokenBridgeError(err));
    } finally {
      this.inFlight.delete(slot);
      done();
      slot.abort = undefined;
    }
    await this.reconcile();
  }

  private serialTwin(slot: Slot): Slot | undefined {
    if (slot.serial === undefined) return undefined;
    return [...this.slots.values()].find(
      (o) =>
        o !== slot && o.driver !== slot.driver && o.state === 'active' && o.serial === slot.serial,
    );
  }

  private activate(slot: Slot, device: DeviceSession, identity: Identity): void {
    const event = deviceEvent(slot, identity, this.clock.now());
    slot.state = 'active';
    slot.event = event;
    slot.attempts = 0;
    this.log.info(
      { device: slot.id, driver: event.driver, model: event.model, firmware: event.firmware },
      'attached',
    );
    this.hub.emit('attached', event);
    device.activate(
      {
        otp: (otp) => this.emitOtp(slot, otp),
        ended: (err) => void this.ended(slot, err),
      },
      slot.interrupted,
    );
    slot.interrupted = false;
  }

  private emitOtp(slot: Slot, otp: OtpClassification): void {
    const event = otpEvent(slot, otp, this.clock.now());
    this.log.info({ device: slot.id, format: event.format, otp: redactOtp(event.otp) }, 'otp');
    this.hub.emit('otp', event);
  }

  /** The active connection ended on its own (unplug, I/O error, garbage flood). */
  private async ended(slot: Slot, err: TokenBridgeError): Promise<void> {
    if (slot.state !== 'active' || this.stopped) return;
    slot.interrupted = !isGone(err);
    await this.deactivate(slot, 'gone');
    await this.failed(slot, err);
  }

  private async failed(slot: Slot, err: TokenBridgeError): Promise<void> {
    await this.closeDevice(slot);
    if (this.stopped || slot.removed) return;
    if (isGone(err)) {
      // Unplugged: the driver's next enumeration decides whether it is away or back.
      slot.state = 'gone';
      this.log.debug({ device: slot.id }, 'connection ended');
      this.hotplug.soon(slot.driver);
      return;
    }
    this.log.warn({ device: slot.id, driver: slot.info.driver, code: err.code }, 'device failed');
    this.emitError(slot.info.driver, slot.id, err.code, err.message);
    if (slot.attempts > this.retryAttempts) {
      slot.state = 'given-up';
      this.log.warn({ device: slot.id, attempts: slot.attempts }, 'giving up until replugged');
      return;
    }
    slot.state = 'failed';
    const delay = this.retryDelayMs * 2 ** (slot.attempts - 1);
    slot.retryTimer = this.clock.setTimeout(() => {
      slot.retryTimer = undefined;
      slot.retryDue = true;
      void this.hotplug.scan(slot.driver);
    }, delay);
  }

  /** No longer enumerated: close it if open and forget it. */
  private async remove(slot: Slot): Promise<void> {
    slot.removed = true;
    this.slots.delete(slot.key);
    slot.retryTimer?.clear();
    slot.abort?.abort();
    await this.deactivate(slot, 'gone');
  }

  /** Closes an active slot's device and reports it detached. */
  private async deactivate(slot: Slot, next: SlotState): Promise<void> {
    const event = slot.state === 'active' ? slot.event : undefined;
    if (slot.state === 'active') slot.state = next;
    slot.event = undefined;
    await this.closeDevice(slot);
    if (event) {
      this.log.info({ device: slot.id, driver: event.driver }, 'detached');
      this.hub.emit('detached', { ...event, time: this.clock.now() });
    }
  }

  private async closeDevice(slot: Slot): Promise<void> {
    const device = slot.device;
    slot.device = undefined;
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
