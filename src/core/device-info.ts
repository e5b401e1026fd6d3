/** What a driver knows about one attached token interface before it is opened. */
export interface DeviceInfo {
  /** The driver that found it: 'hid', 'usb', 'virtual'. */
  readonly driver: string;
  /**
   * The driver's own handle for the interface (an OS path, a bus address, a virtual id). It stays in
   * the process: ids shown outside are hashes of it (see deviceId).
   */
  readonly path: string;
  readonly vendorId: number;
  readonly productId: number;
  /** Model name from the PID table, e.g. 'YubiKey 4/5'. */
  readonly model: string;
  readonly interfaceNumber: number;
  /** 'exclusive' when keystrokes are captured away from the focused application. */
  readonly access: 'shared' | 'exclusive';
  /**
   * Physical location when the driver can tell ('usb:<bus>-<port.port>'), so the device manager can
   * recognise one key seen through two drivers.
   */
  readonly location?: string;
  /** USB iSerial when the key exposes it; the real serial is read over feature reports. */
  readonly usbSerial?: string;
}
