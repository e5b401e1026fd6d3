/**
 * The key models a virtual token can pose as: the USB product id it enumerates with, the firmware its
 * status report announces and the form factor its device-info answer carries. Values follow real keys
 * of each family (reference A1); the exact build numbers are representative, not significant.
 */
export const VIRTUAL_MODELS = ['yk5', 'yk4', 'neo', 'standard', 'plus'] as const;
export type VirtualModel = (typeof VIRTUAL_MODELS)[number];

export type FirmwareVersion = readonly [major: number, minor: number, build: number];

export interface ModelDefaults {
  readonly productId: number;
  readonly firmware: FirmwareVersion;
}

export const MODEL_DEFAULTS: Readonly<Record<VirtualModel, ModelDefaults>> = {
  yk5: { productId: 0x0407, firmware: [5, 4, 3] }, // YK4_OTP_FIDO_CCID, the YubiKey 5 default
  yk4: { productId: 0x0401, firmware: [4, 3, 7] }, // YK4_OTP
  neo: { productId: 0x0116, firmware: [3, 5, 0] }, // NEO_OTP_FIDO_CCID
  standard: { productId: 0x0010, firmware: [2, 4, 3] }, // YKS_OTP
  plus: { productId: 0x0410, firmware: [4, 2, 6] }, // YKP_OTP_FIDO
};

/** Firmware from which the key answers the device-info command 0x13 (ykman reads it from 4.1). */
export const DEVICE_INFO_MIN_FIRMWARE: FirmwareVersion = [4, 1, 0];
/** Firmware from which the status report carries the slot VALID bits (reference A2). */
export const VALID_BITS_MIN_FIRMWARE: FirmwareVersion = [2, 1, 0];
/** Firmware from which the status report carries the slot TOUCH bits (reference A2). */
export const TOUCH_BITS_MIN_FIRMWARE: FirmwareVersion = [3, 0, 0];

export function firmwareAtLeast(fw: FirmwareVersion, min: FirmwareVersion): boolean {
  for (let i = 0; i < 3; i++) {
    if (fw[i]! !== min[i]!) return fw[i]! > min[i]!;
  }
  return true;
}
