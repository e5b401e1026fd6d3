import type { DeviceInfo } from './device-info';
import type { HidConnection } from './hid-connection';

export type DriverAvailability =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string; readonly fix?: string };

export interface HotplugListener {
  attached(info: DeviceInfo): void;
  detached(path: string): void;
}

/** Declared here, by its consumer; implemented in drivers/. */
export interface Driver {
  readonly name: string;
  /** Never throws: a driver that cannot run says why, and how to fix it. */
  availability(): Promise<DriverAvailability>;
  /** OTP interfaces attached now. */
  enumerate(): Promise<DeviceInfo[]>;
  open(info: DeviceInfo): Promise<HidConnection>;
  /** Hotplug notifications, for drivers that have them; others are polled. Returns unsubscribe. */
  watch?(listener: HotplugListener): () => void;
  /** Releases driver-wide resources (hotplug threads, sockets). */
  dispose?(): Promise<void>;
}
