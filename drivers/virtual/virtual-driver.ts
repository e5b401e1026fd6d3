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
import { gone, type VirtualDevice } from './device';
import { VirtualConnection } from './virtual-connection';
import { VirtualToken } from './virtual-token';

export const VIRTUAL_DRIVER_NAME = 'virtual';

interface Entry {
  readonly device: VirtualDevice;
  readonly unsubscribe: () => void;
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

  /** Plugs a device into this bus; announced as 'attached' when it is plugged in. */
  attach(device: VirtualDevice): void {
    if (this.entries.has(device.id)) {
      throw new DeviceError(ErrorCode.DEVICE_BUSY, `${device.id} is already attached`);
    }
    const unsubscribe = device.onPlugChange((plugged) => {
      if (plugged) this.announceAttached(device);
      else this.announceDetached(device.id);
    });
    this.entries.set(device.id, { device, unsubscribe });
    this.log.debug({ token: device.id }, 'attached');
    if (device.plugged) this.announceAttached(device);
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
    const connection = new VirtualConnection(infoFor(device), device, (c) =>
      this.connections.delete(c),
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
      { attach: (d) => this.attach(d), detach: (id) => this.detach(id) },
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

  private safely(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.log.warn({ err: String(err) }, 'a hotplug listener threw');
    }
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
