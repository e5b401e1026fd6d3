import {
  type Clock,
  type DeviceInfo,
  DeviceError,
  type Driver,
  type DriverAvailability,
  ErrorCode,
  type HidConnection,
  type HotplugListener,
  type Logger,
  OTP_INTERFACE_NUMBER,
  silentLogger,
  systemClock,
} from '../../src/core';
import { busError } from './bus-protocol';
import { EmulatorBusServer } from './bus-server';
import { gone, Listeners, type VirtualDevice } from './device';
import { VirtualConnection } from './virtual-connection';
import { VirtualToken } from './virtual-token';

export const VIRTUAL_DRIVER_NAME = 'virtual';

interface Entry {
  readonly device: VirtualDevice;
  readonly unsubscribe: () => void;
  /** A host has the device open and listens to its keyboard reports. */
  listening: boolean;
  /** Told each time `listening` changes. */
  readonly listeners: Listeners<boolean>;
}

/**
 * The bus of virtual tokens: in-process tokens attached by tests or `serve --virtual`, and tokens run
 * by emulator processes over a local socket (see listen()). Always available.
 */
export class VirtualDriver implements Driver {
  readonly name = VIRTUAL_DRIVER_NAME;
  protected readonly log: Logger;
  protected readonly clock: Clock;
  private readonly entries = new Map<string, Entry>();
  private readonly watchers = new Set<HotplugListener>();
  private readonly connections = new Set<VirtualConnection>();
  private bus: EmulatorBusServer | undefined;

  constructor(options: { logger?: Logger; clock?: Clock } = {}) {
    this.log = (options.logger ?? silentLogger()).child({ module: 'virtual-driver' });
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Plugs a device into this bus; announced as 'attached' when it is plugged in. The promise is the
   * attach handshake: it resolves once a host (the device manager) has opened the device and listens
   * to its keyboard reports, so a press from then on is heard, and rejects with DEVICE_GONE when the
   * device is detached first. A caller that does not need to wait may ignore it.
   */
  attach(device: VirtualDevice): Promise<void> {
    if (this.entries.has(device.id)) {
      throw new DeviceError(ErrorCode.DEVICE_BUSY, `${device.id} is already attached`);
    }
    const unsubscribe = device.onPlugChange((plugged) => {
      if (plugged) this.announceAttached(device);
      else this.announceDetached(device.id);
    });
    const entry: Entry = { device, unsubscribe, listening: false, listeners: new Listeners() };
    this.entries.set(device.id, entry);
    this.log.debug({ token: device.id }, 'attached');
    const heard = this.listening(device.id);
    if (device.plugged) this.announceAttached(device);
    return heard;
  }

  /**
   * Resolves once a host listens to the device's keyboard reports (at once when one does now);
   * rejects with DEVICE_GONE when the device is not on this bus or is detached first. Never
   * leaves an unhandled rejection behind when nobody waits.
   */
  listening(id: string): Promise<void> {
    const entry = this.entries.get(id);
    const heard = !entry
      ? Promise.reject(gone(id))
      : entry.listening
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const off = this.onListening(id, (listening, detached) => {
              if (!listening && !detached) return;
              off();
              if (detached) reject(gone(id));
              else resolve();
            });
          });
    heard.catch(() => undefined);
    return heard;
  }

  /** Whether a host listens to the device's keyboard reports now. */
  isListening(id: string): boolean {
    return this.entries.get(id)?.listening ?? false;
  }

  /**
   * Calls `listener` each time a host starts or stops listening to the device's keyboard reports
   * (opened and subscribed, closed or unsubscribed), and with `detached` once when it leaves the
   * bus. Returns the unsubscribe function.
   */
  onListening(id: string, listener: (listening: boolean, detached: boolean) => void): () => void {
    const entry = this.entries.get(id);
    if (!entry) return () => undefined;
    return entry.listeners.add((listening) => listener(listening, !this.entries.has(id)));
  }

  /** Removes a device: open connections fail with DEVICE_GONE; watchers see 'detached'. */
  detach(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    entry.unsubscribe();
    for (const connection of [...this.connections]) {
      if (connection.info.path === id) connection.fail(gone(id));
    }
    entry.listening = false;
    entry.listeners.emit(false, (err) => this.listenerThrew(err));
    entry.listeners.clear();
    this.log.debug({ token: id }, 'detached');
    if (entry.device.plugged) this.announceDetached(id);
  }

  /** The in-process tokens on this bus. */
  tokens(): VirtualToken[] {
    return this.devices().filter((d): d is VirtualToken => d instanceof VirtualToken);
  }

  /** Every device on this bus, emulator proxies included. */
  devices(): VirtualDevice[] {
    return [...this.entries.values()].map((e) => e.device);
  }

  async availability(): Promise<DriverAvailability> {
    return { available: true };
  }

  async enumerate(): Promise<DeviceInfo[]> {
    return this.devices()
      .filter((d) => d.plugged)
      .map(infoFor);
  }

  async open(info: DeviceInfo): Promise<HidConnection> {
    const device = this.entries.get(info.path)?.device;
    if (!device || !device.plugged) {
      throw new DeviceError(ErrorCode.DEVICE_NOT_FOUND, `${info.path} is not attached`);
    }
    const connection = new VirtualConnection(
      infoFor(device),
      device,
      (c) => this.connections.delete(c),
      (c) => this.listeningChanged(c.info.path),
    );
    this.connections.add(connection);
    return connection;
  }

  watch(listener: HotplugListener): () => void {
    this.watchers.add(listener);
    return () => {
      this.watchers.delete(listener);
    };
  }

  /**
   * Serves the emulator bus on a Unix socket (directory created 0700, socket 0600, a stale socket
   * file replaced, a live one refused): each `tokenbridge emulate` process that connects attaches its
   * token here until it disconnects.
   */
  async listen(
    socketPath: string,
    options: { requestTimeoutMs?: number; helloTimeoutMs?: number } = {},
  ): Promise<void> {
    if (this.bus) throw busError(`the emulator bus already listens on ${this.bus.path}`);
    const bus = new EmulatorBusServer(
      {
        attach: (d) => void this.attach(d),
        detach: (id) => this.detach(id),
        onListening: (id, listener) => this.onListening(id, (on) => listener(on)),
      },
      { logger: this.log.child({ module: 'emulator-bus' }), ...options },
    );
    this.bus = bus;
    try {
      await bus.listen(socketPath);
    } catch (err) {
      this.bus = undefined;
      throw err;
    }
  }

  /** The socket the emulator bus listens on, if it does. */
  get socketPath(): string | undefined {
    return this.bus?.path;
  }

  /** Stops the emulator bus, closes every connection and detaches every device. */
  async dispose(): Promise<void> {
    const bus = this.bus;
    this.bus = undefined;
    await bus?.close();
    for (const id of [...this.entries.keys()]) this.detach(id);
    await Promise.all([...this.connections].map((c) => c.close()));
    this.watchers.clear();
  }

  private announceAttached(device: VirtualDevice): void {
    const info = infoFor(device);
    for (const watcher of [...this.watchers]) this.safely(() => watcher.attached(info));
  }

  private announceDetached(id: string): void {
    for (const watcher of [...this.watchers]) this.safely(() => watcher.detached(id));
  }

  /** Recomputes whether any open connection to the device listens, and tells who asked. */
  private listeningChanged(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    const listening = [...this.connections].some((c) => c.info.path === id && c.listening);
    if (listening === entry.listening) return;
    entry.listening = listening;
    this.log.debug({ token: id, listening }, 'host listening');
    entry.listeners.emit(listening, (err) => this.listenerThrew(err));
  }

  private safely(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.log.warn({ err: String(err) }, 'a hotplug listener threw');
    }
  }

  private listenerThrew(err: unknown): void {
    this.log.warn({ err: String(err) }, 'a listening listener threw');
  }
}

export function infoFor(device: VirtualDevice): DeviceInfo {
  return {
    driver: VIRTUAL_DRIVER_NAME,
    path: device.id,
    vendorId: device.vendorId,
    productId: device.productId,
    model: device.model,
    interfaceNumber: OTP_INTERFACE_NUMBER,
    access: 'shared',
  };
}
