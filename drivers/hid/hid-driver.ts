import {
  type DeviceInfo,
  DeviceError,
  type Driver,
  type DriverAvailability,
  DriverUnavailableError,
  ErrorCode,
  type HidConnection,
  type Logger,
  modelFor,
  OTP_INTERFACE_NUMBER,
  silentLogger,
  type UsbId,
} from '../../src/core';
import { errorMessage, toDeviceError } from './errors';
import { NodeHidConnection } from './hid-connection';
import { hidrawLocation } from './location';
import { loadNodeHid, type NodeHidLoader, type NodeHidModule } from './node-hid-surface';
import { isOtpHidInterface } from './otp-interface';

export interface HidDriverOptions {
  /** Loads node-hid; the default requires it lazily. Tests pass a fake module. */
  loadNodeHid?: NodeHidLoader;
  logger?: Logger;
  /** Extra VID:PID pairs treated as OTP tokens (configuration). */
  extraIds?: readonly UsbId[];
  /** process.platform by default: decides sysfs locations and whether input reports are read. */
  platform?: NodeJS.Platform;
  /** Where sysfs lives ('/' by default); tests point it at a fake tree. */
  sysfsRoot?: string;
}

type Loaded = { module: NodeHidModule } | { error: string };

/**
 * node-hid (hidapi) adapter: shared access to the OTP keyboard interface. Feature reports go through
 * hidapi with the report-ID byte it expects; keystrokes still reach the focused application.
 */
export class HidDriver implements Driver {
  readonly name = 'hid';
  private readonly load: NodeHidLoader;
  private readonly log: Logger;
  private readonly extraIds: readonly UsbId[];
  private readonly platform: NodeJS.Platform;
  private readonly sysfsRoot: string;
  private loaded: Loaded | undefined;

  constructor(options: HidDriverOptions = {}) {
    this.load = options.loadNodeHid ?? loadNodeHid;
    this.log = (options.logger ?? silentLogger()).child({ module: 'driver-hid' });
    this.extraIds = options.extraIds ?? [];
    this.platform = options.platform ?? process.platform;
    this.sysfsRoot = options.sysfsRoot ?? '/';
  }

  async availability(): Promise<DriverAvailability> {
    const loaded = this.tryLoad();
    if ('error' in loaded) {
      return { available: false, reason: loaded.error, fix: fixFor(loaded.error, this.platform) };
    }
    return { available: true };
  }

  async enumerate(): Promise<DeviceInfo[]> {
    const hid = this.module();
    let devices;
    try {
      devices = await hid.devicesAsync();
    } catch (err) {
      throw toDeviceError(err, 'enumerating HID devices');
    }
    const found: DeviceInfo[] = [];
    for (const d of devices) {
      if (!d.path || !isOtpHidInterface(d, this.extraIds)) continue;
      const location =
        this.platform === 'linux' ? await hidrawLocation(d.path, this.sysfsRoot) : undefined;
      found.push({
        driver: this.name,
        path: d.path,
        vendorId: d.vendorId,
        productId: d.productId,
        model: modelFor(d.vendorId, d.productId),
        // Backends that cannot tell report -1; the OTP keyboard is interface 0.
        interfaceNumber: d.interface >= 0 ? d.interface : OTP_INTERFACE_NUMBER,
        access: 'shared',
        ...(location ? { location } : {}),
        ...(d.serialNumber ? { usbSerial: d.serialNumber } : {}),
      });
    }
    this.log.debug({ count: found.length }, 'enumerated');
    return found;
  }

  async open(info: DeviceInfo): Promise<HidConnection> {
    const hid = this.module();
    let device;
    try {
      // macOS: without nonExclusive hidapi seizes the device and the key stops typing.
      device = await hid.HIDAsync.open(info.path, { nonExclusive: true });
    } catch (err) {
      const mapped = toDeviceError(err, 'opening the HID device');
      if (mapped.code !== ErrorCode.DEVICE_IO) throw mapped;
      throw new DeviceError(
        ErrorCode.DEVICE_IO,
        `${mapped.message}; on Linux, check that the udev rule for the OTP hidraw node is installed`,
        { cause: err },
      );
    }
    // Windows opens keyboards for feature reports only; reading them fails, so we do not try.
    const readInput = this.platform !== 'win32';
    return new NodeHidConnection(info, device, this.log.child({ device: info.path }), {
      readInput,
    });
  }

  private tryLoad(): Loaded {
    if (!this.loaded) {
      try {
        const module = this.load();
        // node-hid loads its native binding on first use; probe now so failures surface here.
        module.getHidapiVersion?.();
        this.loaded = { module };
      } catch (err) {
        this.loaded = { error: `node-hid native module failed to load: ${errorMessage(err)}` };
        this.log.debug({ reason: this.loaded.error }, 'unavailable');
      }
    }
    return this.loaded;
  }

  private module(): NodeHidModule {
    const loaded = this.tryLoad();
    if ('error' in loaded)
      throw new DriverUnavailableError(loaded.error, fixFor(loaded.error, this.platform));
    return loaded.module;
  }
}

/** A one-line fix for the usual reasons node-hid does not load. */
export function fixFor(reason: string, platform: NodeJS.Platform): string {
  if (/libusb/i.test(reason)) {
    return platform === 'linux'
      ? 'apt-get install libusb-1.0-0 (Debian/Ubuntu) or dnf install libusb1 (Fedora)'
      : 'install libusb 1.0';
  }
  if (/libudev/i.test(reason))
    return 'apt-get install libudev1 (Debian/Ubuntu) or dnf install systemd-libs';
  if (/cannot find module/i.test(reason)) {
    return 'npm install node-hid (an optional dependency; it needs a prebuilt binary or a C++ toolchain)';
  }
  return 'npm rebuild node-hid';
}
