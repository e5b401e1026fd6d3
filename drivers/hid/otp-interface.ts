import {
  isOtpProduct,
  OTP_INTERFACE_NUMBER,
  OTP_USAGE,
  OTP_USAGE_PAGE,
  type UsbId,
} from '../../src/core';
import type { NodeHidDeviceInfo } from './node-hid-surface';

/**
 * True for the OTP keyboard collection of a known token: a Yubico OTP PID (or a configured extra
 * VID:PID) and usage page 1 / usage 6. Old Linux hidraw and libusb backends report no usage page
 * (absent or 0); there the OTP keyboard is recognised as interface 0, as Ledger does for its keys.
 */
export function isOtpHidInterface(
  device: NodeHidDeviceInfo,
  extra: readonly UsbId[] = [],
): boolean {
  if (!isOtpProduct({ vendorId: device.vendorId, productId: device.productId }, extra))
    return false;
  if (device.usagePage !== undefined && device.usagePage !== 0) {
    return device.usagePage === OTP_USAGE_PAGE && device.usage === OTP_USAGE;
  }
  return device.interface === OTP_INTERFACE_NUMBER;
}
