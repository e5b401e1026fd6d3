/**
 * USB identities of Yubico keys (ykpers ykdef.h, yubikey-manager). One table for the drivers, the
 * udev rules test and the virtual token.
 */
export const YUBICO_VENDOR_ID = 0x1050; // Yubico

/** HID usage of the OTP keyboard interface: Generic Desktop page, Keyboard usage. */
export const OTP_USAGE_PAGE = 0x0001; // Generic Desktop
export const OTP_USAGE = 0x0006; // Keyboard
/** The OTP keyboard is interface 0 when the OTP application is enabled. */
export const OTP_INTERFACE_NUMBER = 0;

export interface ProductEntry {
  readonly productId: number;
  readonly name: string; // yubikey-manager's PID name
  readonly model: string;
}

/** PIDs whose configuration carries the OTP keyboard interface (ykpers `yubico_pids[]`). */
export const OTP_PRODUCTS: readonly ProductEntry[] = [
  { productId: 0x0010, name: 'YKS_OTP', model: 'YubiKey Standard' },
  { productId: 0x0110, name: 'NEO_OTP', model: 'YubiKey NEO' },
  { productId: 0x0111, name: 'NEO_OTP_CCID', model: 'YubiKey NEO' },
  { productId: 0x0114, name: 'NEO_OTP_FIDO', model: 'YubiKey NEO' },
  { productId: 0x0116, name: 'NEO_OTP_FIDO_CCID', model: 'YubiKey NEO' },
  { productId: 0x0401, name: 'YK4_OTP', model: 'YubiKey 4/5' },
  { productId: 0x0403, name: 'YK4_OTP_FIDO', model: 'YubiKey 4/5' },
  { productId: 0x0405, name: 'YK4_OTP_CCID', model: 'YubiKey 4/5' },
  { productId: 0x0407, name: 'YK4_OTP_FIDO_CCID', model: 'YubiKey 4/5' },
  { productId: 0x0410, name: 'YKP_OTP_FIDO', model: 'YubiKey Plus' },
];

/** PIDs that are OTP-only and so are never "in reclaim" right after opening. */
export const OTP_ONLY_PRODUCT_IDS: readonly number[] = [0x0010, 0x0110, 0x0401];

export interface UsbId {
  readonly vendorId: number;
  readonly productId: number;
}

export function modelFor(vendorId: number, productId: number): string {
  if (vendorId !== YUBICO_VENDOR_ID) return 'OTP token';
  return OTP_PRODUCTS.find((p) => p.productId === productId)?.model ?? 'YubiKey';
}

/** True for Yubico OTP PIDs and for any configured extra VID:PID pair. */
export function isOtpProduct(id: UsbId, extra: readonly UsbId[] = []): boolean {
  if (id.vendorId === YUBICO_VENDOR_ID && OTP_PRODUCTS.some((p) => p.productId === id.productId))
    return true;
  return extra.some((e) => e.vendorId === id.vendorId && e.productId === id.productId);
}

/** Parses 'vvvv:pppp' (hex) as given on the command line or in the configuration. */
export function parseUsbId(text: string): UsbId | undefined {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(text.trim());
  if (!m) return undefined;
  return { vendorId: parseInt(m[1]!, 16), productId: parseInt(m[2]!, 16) };
}
