import { DeviceError, ErrorCode, TokenBridgeError } from '../../src/core';

/**
 * hidapi/hidraw, nusb and libusb texts that mean the device is gone: ENODEV, a poll hang-up, nusb's
 * "device disconnected" / "Disconnected", libusb's LIBUSB_ERROR_NO_DEVICE.
 */
const GONE_PATTERN = /no such device|\bdisconnected\b|ENODEV|NO_DEVICE|os error 19/i;
/** node-hid's texts for a handle that was closed under us. */
const CLOSED_PATTERN = /has been closed|already closed|closed device/i;

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Maps what a native library threw to a DeviceError with a stable code, keeping ours as they are. */
export function toDeviceError(err: unknown, what: string): TokenBridgeError {
  if (err instanceof TokenBridgeError) return err;
  const message = errorMessage(err);
  if (GONE_PATTERN.test(message)) {
    return new DeviceError(ErrorCode.DEVICE_GONE, `${what}: the token is gone (${message})`, {
      cause: err,
    });
  }
  if (CLOSED_PATTERN.test(message)) {
    return new DeviceError(ErrorCode.DEVICE_CLOSED, `${what}: the handle is closed (${message})`, {
      cause: err,
    });
  }
  return new DeviceError(ErrorCode.DEVICE_IO, `${what}: ${message}`, { cause: err });
}
