import {
  OTP_PRODUCTS,
  SERIAL_RESPONSE_SIZE,
  SLOT_DEVICE_SERIAL,
  SLOT_YK4_CAPABILITIES,
} from '../../src/core';
import { DEVICE_INFO_MIN_FIRMWARE, type FirmwareVersion, firmwareAtLeast } from './models';

// Device-info TLV tags of command 0x13 (yubikit/management.py TAG_*; reference A3).
export const DEVICE_INFO_TAG_USB_SUPPORTED = 0x01; // capabilities over USB, u16 big-endian
export const DEVICE_INFO_TAG_SERIAL = 0x02; // u32 big-endian
export const DEVICE_INFO_TAG_USB_ENABLED = 0x03; // capabilities enabled over USB, u16 big-endian
export const DEVICE_INFO_TAG_FORM_FACTOR = 0x04; // one byte
export const DEVICE_INFO_TAG_VERSION = 0x05; // major, minor, build

// Capability bits (yubikit CAPABILITY).
export const CAPABILITY_OTP = 0x0001; // the OTP application
export const CAPABILITY_U2F = 0x0002; // FIDO U2F
export const CAPABILITY_OPENPGP = 0x0008; // OpenPGP card
export const CAPABILITY_PIV = 0x0010; // PIV card
export const CAPABILITY_OATH = 0x0020; // OATH (CCID)
export const CAPABILITY_FIDO2 = 0x0200; // FIDO2, firmware 5 and later

export const FORM_FACTOR_USB_A_KEYCHAIN = 0x01; // yubikit FORM_FACTOR.USB_A_KEYCHAIN
const FIDO2_MIN_FIRMWARE: FirmwareVersion = [5, 0, 0];

/** What the commands need to know about the key. */
export interface CommandContext {
  readonly serial: number;
  readonly serialHidden: boolean;
  readonly firmware: FirmwareVersion;
  readonly productId: number;
}

/**
 * Answers one command frame: response data (before its CRC) or null. Null covers everything a real
 * key answers with a plain status: unknown commands, a hidden serial, and the configuration writes a
 * virtual token does not emulate (their pgmSeq stays unchanged, so the host sees a rejection).
 */
export function executeCommand(
  context: CommandContext,
  command: number,
  payload: Uint8Array,
): Uint8Array | null {
  switch (command) {
    case SLOT_DEVICE_SERIAL:
      return context.serialHidden ? null : serialResponse(context.serial);
    case SLOT_YK4_CAPABILITIES:
      if (!firmwareAtLeast(context.firmware, DEVICE_INFO_MIN_FIRMWARE)) return null;
      return deviceInfoResponse(context, payload[0] ?? 0);
    default:
      return null;
  }
}

/** The serial, big-endian "despite everything else in the YubiKey being little endian" (ykcore.c). */
function serialResponse(serial: number): Uint8Array {
  const data = new Uint8Array(SERIAL_RESPONSE_SIZE);
  new DataView(data.buffer).setUint32(0, serial, false);
  return data;
}

/** `len ‖ TLVs` for page 0; later pages are empty (a key with one page of information). */
export function deviceInfoResponse(context: CommandContext, page: number): Uint8Array {
  const tlvs: number[] = [];
  if (page === 0) {
    const capabilities = capabilitiesFor(context);
    tlvs.push(DEVICE_INFO_TAG_USB_SUPPORTED, 2, capabilities >>> 8, capabilities & 0xff);
    if (!context.serialHidden) {
      const s = context.serial;
      tlvs.push(DEVICE_INFO_TAG_SERIAL, 4, s >>> 24, (s >>> 16) & 0xff, (s >>> 8) & 0xff, s & 0xff);
    }
    tlvs.push(DEVICE_INFO_TAG_USB_ENABLED, 2, capabilities >>> 8, capabilities & 0xff);
    tlvs.push(DEVICE_INFO_TAG_FORM_FACTOR, 1, FORM_FACTOR_USB_A_KEYCHAIN);
    tlvs.push(DEVICE_INFO_TAG_VERSION, 3, ...context.firmware);
  }
  return Uint8Array.of(tlvs.length, ...tlvs);
}

/** Applications the PID's USB configuration exposes (the PID names list its interfaces). */
export function capabilitiesFor(context: CommandContext): number {
  const name = OTP_PRODUCTS.find((p) => p.productId === context.productId)?.name ?? '';
  let capabilities = CAPABILITY_OTP;
  if (name.includes('FIDO')) {
    capabilities |= CAPABILITY_U2F;
    if (firmwareAtLeast(context.firmware, FIDO2_MIN_FIRMWARE)) capabilities |= CAPABILITY_FIDO2;
  }
  if (name.includes('CCID')) capabilities |= CAPABILITY_OPENPGP | CAPABILITY_PIV | CAPABILITY_OATH;
  return capabilities;
}
