import { existsSync } from 'node:fs';
import {
  type DeviceInfo,
  DeviceError,
  type Driver,
  type DriverAvailability,
  DriverUnavailableError,
  ErrorCode,
  type HidConnection,
  type HotplugListener,
  isOtpProduct,
  type Logger,
  modelFor,
  OTP_INTERFACE_NUMBER,
  silentLogger,
  type UsbId,
} from '../../src/core';
import { errorMessage, toDeviceError } from '../hid/errors';
import { formatUsbLocation } from '../hid/location';
import { type ExitSignal, ExitHook } from './exit-hook';
import { OTP_INTERFACE_INDEX } from './hid-class-requests';
import { UsbConnection } from './usb-connection';
import {
  loadUsb,
  type UsbDeviceHandle,
  type UsbEventListener,
  type UsbLoader,
  type UsbModule,
} from './usb-surface';

/** Each interrupt IN transfer waits this long; a close waits at most this for the last one. */
export const DEFAULT_POLL_TIMEOUT_MS = 500;
/** libusb (and nusb) on Linux enumerate through sysfs; without it usb 3.x throws on every call. */
export const LINUX_USB_SYSFS = '/sys/bus/usb';

export interface UsbDriverOptions {
  loadUsb?: UsbLoader;
  logger?: Logger;
  extraIds?: readonly UsbId[];
  /**
   * Claim the OTP interface (detaching the kernel keyboard driver) so keystrokes never reach the
   * focused application. Without it the driver only enumerates and reports hotplug: usb 3.x sends
   * control transfers only through a claimed interface, and the kernel's HID driver holds it.
   */
  exclusive?: boolean;
  /** Whether a USB bus exists; default: on Linux, whether /sys/bus/usb exists. */
  usbBusPresent?: () => boolean;
  platform?: NodeJS.Platform;
  pollTimeoutMs?: number;
  /** Where the single exit hook goes (process by default). */
  exitSignal?: ExitSignal;
}

type Loaded = { module: UsbModule } | { error: string; fix: string };

/** usb 3.x adapter: hotplug events for every mode, exclusive capture of the OTP keyboard on demand. */
export class UsbDriver implements Driver {
  readonly name = 'usb';
  private readonly load: UsbLoader;
  private readonly log: Logger;
  private readonly extraIds: readonly UsbId[];
  private readonly exclusive: boolean;
  private readonly busPresent: () => boolean;
  private readonly pollTimeoutMs: number;
  private readonly exitHook: ExitHook<UsbConnection>;
  private readonly connections = new Set<UsbConnection>();
  private readonly unwatchers = new Set<() => void>();
  private loaded: Loaded | undefined;

  constructor(options: UsbDriverOptions = {}) {
    this.load = options.loadUsb ?? loadUsb;
    this.log = (options.logger ?? silentLogger()).child({ module: 'driver-usb' });
    this.extraIds = options.extraIds ?? [];
    this.exclusive = options.exclusive ?? false;
    const platform = options.platform ?? process.platform;
    this.busPresent =
      options.usbBusPresent ?? (() => platform !== 'linux' || existsSync(LINUX_USB_SYSFS));
    this.pollTimeoutMs = options.pollTimeoutMs ?? DEFAULT_POLL_TIMEOUT_MS;
    this.exitHook = new ExitHook(options.exitSignal ?? process, (c) => c.releaseAtExit());
  }

  async availability(): Promise<DriverAvailability> {
    const loaded = this.tryLoad();
    if ('error' in loaded) return { available: false, reason: loaded.error, fix: loaded.fix };
    try {
      await loaded.module.usb.getDevices();
    } catch (err) {
      return {
        available: false,
        reason: `usb enumeration failed: ${errorMessage(err)}`,
        fix: 'check USB permissions (udev rule for the usb_device node) and that a USB bus exists',
      };
    }
    return { available: true };
  }

  async enumerate(): Promise<DeviceInfo[]> {
    const usb = this.module();
    let devices: UsbDeviceHandle[];
    try {
      devices = await usb.usb.getDevices();
    } catch (err) {
      throw toDeviceError(err, 'enumerating USB devices');
    }
    return devices.filter((d) => this.isOtp(d)).map((d) => this.infoFor(d));
  }

  async open(info: DeviceInfo): Promise<HidConnection> {
    if (!this.exclusive) {
      throw new DriverUnavailableError(
        'the usb driver in shared mode only enumerates and reports hotplug; feature reports need the OTP interface claimed',
        'open the key with the hid driver, or run the usb driver in exclusive mode',
      );
    }
    const usb = this.module();
    const devices = await usb.usb.getDevices().catch((err: unknown) => {
      throw toDeviceError(err, 'enumerating USB devices');
    });
    const device = devices.find((d) => this.isOtp(d) && pathOf(d) === info.path);
    if (!device) {
      throw new DeviceError(ErrorCode.DEVICE_NOT_FOUND, `no OTP token at ${info.path}`);
    }
    const log = this.log.child({ device: info.path });
    try {
      await device.open();
    } catch (err) {
      throw toDeviceError(
        err,
        'opening the USB device (check the udev rule for its usb_device node)',
      );
    }
    const detached = await this.detachKernelDriver(device, log);
    try {
      await device.claimInterface(OTP_INTERFACE_INDEX);
    } catch (err) {
      if (detached) await device.attachKernelDriver(OTP_INTERFACE_INDEX).catch(() => undefined);
      await device.close().catch(() => undefined);
      const mapped = toDeviceError(err, 'claiming the OTP interface');
      if (mapped.code !== ErrorCode.DEVICE_IO) throw mapped;
      throw new DeviceError(
        ErrorCode.DEVICE_BUSY,
        `${mapped.message} (another program holds it?)`,
        {
          cause: err,
        },
      );
    }
    let inEndpoint: number;
    try {
      inEndpoint = this.findInEndpoint(device);
    } catch (err) {
      await device.releaseInterface(OTP_INTERFACE_INDEX).catch(() => undefined);
      if (detached) await device.attachKernelDriver(OTP_INTERFACE_INDEX).catch(() => undefined);
      await device.close().catch(() => undefined);
      throw toDeviceError(err, 'reading the configuration descriptor');
    }
    const connection = new UsbConnection({ ...info, access: 'exclusive' }, device, log, {
      inEndpoint,
      kernelDriverDetached: detached,
      pollTimeoutMs: this.pollTimeoutMs,
      onClosed: (c) => {
        this.connections.delete(c);
        this.exitHook.delete(c);
      },
    });
    this.connections.add(connection);
    this.exitHook.add(connection);
    connection.start();
    log.debug({ detached }, 'claimed the OTP interface');
    return connection;
  }

  watch(listener: HotplugListener): () => void {
    // usb 3.x starts enumeration as soon as a listener is added and throws from a timer when there is
    // no bus: subscribe only where it can work.
    const loaded = this.tryLoad();
    if ('error' in loaded || !this.busPresent()) {
      this.log.debug('no hotplug: the usb module or the USB bus is missing');
      return () => undefined;
    }
    const usb = loaded.module.usb;
    const onConnect: UsbEventListener = ({ device }) => {
      if (this.isOtp(device)) this.notify(() => listener.attached(this.infoFor(device)));
    };
    const onDisconnect: UsbEventListener = ({ device }) => {
      if (this.isOtp(device)) this.notify(() => listener.detached(pathOf(device)));
    };
    usb.addEventListener('connect', onConnect);
    usb.addEventListener('disconnect', onDisconnect);
    const unwatch = () => {
      if (!this.unwatchers.delete(unwatch)) return;
      usb.removeEventListener('connect', onConnect);
      usb.removeEventListener('disconnect', onDisconnect);
    };
    this.unwatchers.add(unwatch);
    return unwatch;
  }

  async dispose(): Promise<void> {
    for (const unwatch of [...this.unwatchers]) unwatch();
    await Promise.all([...this.connections].map((c) => c.close()));
  }

  private async detachKernelDriver(device: UsbDeviceHandle, log: Logger): Promise<boolean> {
    try {
      await device.detachKernelDriver(OTP_INTERFACE_INDEX);
      return true;
    } catch (err) {
      // No driver bound (ENODATA), or not Linux: nothing to give back later.
      log.debug({ err: String(err) }, 'kernel driver not detached');
      return false;
    }
  }

  private findInEndpoint(device: UsbDeviceHandle): number {
    const iface = device.configuration?.interfaces.find(
      (i) => i.interfaceNumber === OTP_INTERFACE_INDEX,
    );
    const endpoint = iface?.alternate.endpoints.find(
      (e) => e.direction === 'in' && e.type === 'interrupt',
    );
    if (!endpoint) {
      throw new DeviceError(ErrorCode.DEVICE_IO, 'the OTP interface has no interrupt IN endpoint');
    }
    return endpoint.endpointNumber;
  }

  private isOtp(device: UsbDeviceHandle): boolean {
    return isOtpProduct({ vendorId: device.vendorId, productId: device.productId }, this.extraIds);
  }

  private infoFor(device: UsbDeviceHandle): DeviceInfo {
    const path = pathOf(device);
    return {
      driver: this.name,
      path,
      vendorId: device.vendorId,
      productId: device.productId,
      model: modelFor(device.vendorId, device.productId),
      interfaceNumber: OTP_INTERFACE_NUMBER,
      access: this.exclusive ? 'exclusive' : 'shared',
      location: path,
    };
  }

  private notify(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.log.warn({ err: String(err) }, 'a hotplug listener threw');
    }
  }

  private tryLoad(): Loaded {
    if (!this.loaded) {
      if (!this.busPresent()) {
        this.loaded = {
          error: `no USB bus: ${LINUX_USB_SYSFS} is absent (a container or VM without USB?)`,
          fix: 'run on a host with USB, or pass the USB bus and /sys/bus/usb through to the container',
        };
      } else {
        try {
          this.loaded = { module: this.load() };
        } catch (err) {
          this.loaded = {
            error: `usb native module failed to load: ${errorMessage(err)}`,
            fix: 'npm install usb (an optional dependency with prebuilt binaries)',
          };
        }
      }
      if ('error' in this.loaded) this.log.debug({ reason: this.loaded.error }, 'unavailable');
    }
    return this.loaded;
  }

  private module(): UsbModule {
    const loaded = this.tryLoad();
    if ('error' in loaded) throw new DriverUnavailableError(loaded.error, loaded.fix);
    return loaded.module;
  }
}

/** `usb:<bus>-<ports>`: the path and the location are the same, the port a key sits in. */
export function pathOf(device: { bus: string; ports: readonly number[] }): string {
  // nusb writes Linux bus numbers as "001"; sysfs (and so the hid driver) writes "1".
  if (/^\d+$/.test(device.bus)) return formatUsbLocation(parseInt(device.bus, 10), device.ports);
  return `usb:${device.bus}-${device.ports.join('.')}`;
}
