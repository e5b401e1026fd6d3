import {
  HMAC_CHALLENGE_SIZE,
  OTP_PRODUCTS,
  SERIAL_RESPONSE_SIZE,
  SLOT_CHAL_HMAC1,
  SLOT_CHAL_HMAC2,
  SLOT_CHAL_OTP1,
  SLOT_CHAL_OTP2,
  SLOT_CONFIG,
  SLOT_CONFIG2,
  SLOT_DEVICE_SERIAL,
  SLOT_SWAP,
  SLOT_UPDATE1,
  SLOT_UPDATE2,
  SLOT_YK4_CAPABILITIES,
  YUBICO_CHALLENGE_SIZE,
} from '../../src/core';
import type { CommandAnswer } from './feature-reports';
import { DEVICE_INFO_MIN_FIRMWARE, type FirmwareVersion, firmwareAtLeast } from './models';
import { needsTouchForChallenge } from './slot-model';
import type { SlotIndex, SlotTable, WriteResult } from './slot-table';
import type { ProgrammedSlot } from './slots';

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

/** What the identity commands need to know about the key. */
export interface KeyIdentity {
  readonly serial: number;
  readonly serialHidden: boolean;
  readonly firmware: FirmwareVersion;
  readonly productId: number;
}

/** ... and what the configuration and challenge-response commands act on. */
export interface CommandContext extends KeyIdentity {
  readonly slots: SlotTable;
  /** A challenge whose slot needs a touch first: the key waits, then answers with `answer()`. */
  touchWait(answer: () => Uint8Array): CommandAnswer;
  /** A write was taken or refused, or a challenge moved a slot's counters. */
  written(command: number, result: WriteResult): void;
  /** Clock milliseconds (the Yubico OTP timestamp). */
  now(): number;
}

const SLOT_OF: Readonly<Record<number, SlotIndex>> = {
  [SLOT_CONFIG]: 0,
  [SLOT_CONFIG2]: 1,
  [SLOT_UPDATE1]: 0,
  [SLOT_UPDATE2]: 1,
  [SLOT_CHAL_HMAC1]: 0,
  [SLOT_CHAL_HMAC2]: 1,
  [SLOT_CHAL_OTP1]: 0,
  [SLOT_CHAL_OTP2]: 1,
};

/**
 * Answers one command frame as a key does. Data, a wait for the button, or null: a plain status,
 * which is how a key answers writes (taken ones bump the programming sequence), unknown commands,
 * a hidden serial and a challenge to a slot not set up for it.
 */
export function executeCommand(
  context: CommandContext,
  command: number,
  payload: Uint8Array,
): CommandAnswer {
  switch (command) {
    case SLOT_DEVICE_SERIAL:
      return context.serialHidden ? null : serialResponse(context.serial);
    case SLOT_YK4_CAPABILITIES:
      if (!firmwareAtLeast(context.firmware, DEVICE_INFO_MIN_FIRMWARE)) return null;
      return deviceInfoResponse(context, payload[0] ?? 0);
    case SLOT_CONFIG:
    case SLOT_CONFIG2:
      context.written(command, context.slots.write(SLOT_OF[command]!, payload));
      return null;
    case SLOT_UPDATE1:
    case SLOT_UPDATE2:
      context.written(command, context.slots.update(SLOT_OF[command]!, payload));
      return null;
    case SLOT_SWAP:
      context.written(command, context.slots.swap(payload));
      return null;
    case SLOT_CHAL_HMAC1:
    case SLOT_CHAL_HMAC2: {
      const slot = context.slots.slot(SLOT_OF[command]!);
      if (slot?.mode !== 'hmac-challenge') return null;
      const challenge = payload.slice(0, HMAC_CHALLENGE_SIZE);
      return answer(context, command, slot, () => slot.hmac(challenge));
    }
    case SLOT_CHAL_OTP1:
    case SLOT_CHAL_OTP2: {
      const slot = context.slots.slot(SLOT_OF[command]!);
      if (slot?.mode !== 'yubico-challenge') return null;
      const challenge = payload.slice(0, YUBICO_CHALLENGE_SIZE);
      return answer(context, command, slot, () => slot.yubicoChallenge(challenge, context.now()));
    }
    default:
      return null;
  }
}

function answer(
  context: CommandContext,
  command: number,
  slot: ProgrammedSlot,
  compute: () => Uint8Array,
): CommandAnswer {
  const run = () => {
    const data = compute();
    context.written(command, { ok: true });
    return data;
  };
  return needsTouchForChallenge(slot.config) ? context.touchWait(run) : run();
}

/** The serial, big-endian "despite everything else in the YubiKey being little endian" (ykcore.c). */
function serialResponse(serial: number): Uint8Array {
  const data = new Uint8Array(SERIAL_RESPONSE_SIZE);
  new DataView(data.buffer).setUint32(0, serial, false);
  return data;
}

/** `len ‖ TLVs` for page 0; later pages are empty (a key with one page of information). */
export function deviceInfoResponse(context: KeyIdentity, page: number): Uint8Array {
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
export function capabilitiesFor(context: KeyIdentity): number {
  const name = OTP_PRODUCTS.find((p) => p.productId === context.productId)?.name ?? '';
  let capabilities = CAPABILITY_OTP;
  if (name.includes('FIDO')) {
    capabilities |= CAPABILITY_U2F;
    if (firmwareAtLeast(context.firmware, FIDO2_MIN_FIRMWARE)) capabilities |= CAPABILITY_FIDO2;
  }
  if (name.includes('CCID')) capabilities |= CAPABILITY_OPENPGP | CAPABILITY_PIV | CAPABILITY_OATH;
  return capabilities;
}
