import { ErrorCode } from '../core';
import type { DeviceEvent, DeviceManager } from '../devices';
import type { TokenStore } from '../tokens';
import { OtpSlotSession } from '../yubikey';
import type { EnrollRequest } from './types';

/** Firmware from which a slot takes OATH-HOTP and challenge-response configurations (yubikit). */
const MODES_MIN_FIRMWARE = { major: 2, minor: 2 };

export type Preflight =
  | { readonly result: 'refused'; readonly code: ErrorCode; readonly message: string }
  | {
      readonly result: 'ready';
      readonly device: DeviceEvent;
      readonly serial: number;
      readonly slots: OtpSlotSession;
      readonly slotWasConfigured: boolean;
    };

/**
 * Everything checked before a byte is written: the key is attached and names its serial, its
 * firmware takes the mode, the slot is empty (or --force), and the serial is not registered (or
 * --force). A refusal changes nothing and says what is there.
 */
export async function preflight(
  devices: DeviceManager,
  store: TokenStore,
  request: EnrollRequest,
): Promise<Preflight> {
  const device = devices.devices().find((d) => d.id === request.deviceId);
  const session = devices.session(request.deviceId);
  if (!device || !session) {
    return refused(ErrorCode.DEVICE_NOT_FOUND, `no key ${request.deviceId} is attached`);
  }
  if (device.serial === undefined) {
    return refused(
      ErrorCode.INVALID_INPUT,
      'this key keeps its serial hidden, and the registry names tokens by serial',
    );
  }
  const slots = new OtpSlotSession(session);
  const state = await slots.state({ ...(request.signal ? { signal: request.signal } : {}) });
  const v = state.version;
  if (
    request.kind !== 'yubiotp' &&
    (v.major < MODES_MIN_FIRMWARE.major ||
      (v.major === MODES_MIN_FIRMWARE.major && v.minor < MODES_MIN_FIRMWARE.minor))
  ) {
    return refused(
      ErrorCode.INVALID_INPUT,
      `firmware ${v.major}.${v.minor}.${v.build} cannot hold ${request.kind === 'hotp' ? 'OATH-HOTP' : 'challenge-response'} (2.2 or later can)`,
    );
  }
  const summary = state.slots[request.slot - 1]!;
  // Before firmware 2.1 the status does not say; take the slot for configured, to be safe.
  const configured = summary.configured !== false;
  if (configured && !request.force) {
    return refused(
      ErrorCode.SLOT_CONFIGURED,
      `slot ${request.slot} of key ${device.serial} ${slotContent(summary)}: --force overwrites it, and what it holds cannot be restored`,
    );
  }
  if (request.kind !== 'chalresp') {
    const record = await store.get(String(device.serial));
    if (record !== null && !request.force) {
      const owner = record.user !== null ? `, paired to ${record.user}` : '';
      return refused(
        ErrorCode.TOKEN_EXISTS,
        `token ${device.serial} is in the registry already (${record.kind}${owner}): --force replaces its seed`,
      );
    }
  }
  return { result: 'ready', device, serial: device.serial, slots, slotWasConfigured: configured };
}

/** The audit's word for what the slot held before. */
export function describeSlot(configured: boolean): string {
  return configured ? 'configured' : 'empty';
}

function slotContent(summary: {
  configured: boolean | undefined;
  touchTriggered: boolean | undefined;
}): string {
  if (summary.configured === undefined)
    return 'may hold a configuration (this firmware does not say)';
  if (summary.touchTriggered === false) return 'holds a challenge-response configuration';
  if (summary.touchTriggered === true)
    return 'holds a configuration that types on a touch (an OTP or a static password)';
  return 'holds a configuration';
}

function refused(code: ErrorCode, message: string): Preflight {
  return { result: 'refused', code, message };
}
