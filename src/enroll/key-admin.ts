import { DeviceError, ErrorCode, NO_ACCESS_CODE, UsageError } from '../core';
import type { DeviceEvent, DeviceManager } from '../devices';
import type { TokenRecord, TokenStore } from '../tokens';
import {
  OtpSlotSession,
  type ConfigWriteResult,
  type SlotNumber,
  type SlotsState,
} from '../yubikey';
import { auditProgramming } from './audit';

/**
 * The key a command means: the one `deviceId` names, or the only one attached. A usage error
 * lists the keys when there are several and none was named.
 */
export function chooseKey(devices: DeviceManager, deviceId?: string): DeviceEvent {
  const attached = devices.devices();
  if (deviceId !== undefined) {
    const found = attached.find((d) => d.id === deviceId);
    if (!found) {
      throw new DeviceError(
        ErrorCode.DEVICE_NOT_FOUND,
        `no key ${deviceId} is attached${attached.length > 0 ? ` (attached: ${ids(attached)})` : ''}`,
      );
    }
    return found;
  }
  if (attached.length === 0)
    throw new DeviceError(ErrorCode.DEVICE_NOT_FOUND, 'no key is attached');
  if (attached.length > 1) {
    throw new UsageError(
      `${attached.length} keys are attached: name one with --device (${ids(attached)})`,
    );
  }
  return attached[0]!;
}

export interface KeyInfo {
  readonly device: DeviceEvent;
  readonly state: SlotsState;
  /** The registry's record of the key's serial, if any. */
  readonly record: TokenRecord | null;
}

export async function keyInfo(
  devices: DeviceManager,
  store: TokenStore,
  device: DeviceEvent,
): Promise<KeyInfo> {
  const state = await slotSessionOf(devices, device).state();
  const record = device.serial === undefined ? null : await store.get(String(device.serial));
  return { device, state, record };
}

export interface SlotChange {
  readonly source: string;
  readonly user?: string | null;
  readonly accessCode?: Uint8Array;
}

/** Deletes a slot's configuration; the audit says which key, which slot, and how it went. */
export async function deleteKeySlot(
  devices: DeviceManager,
  store: TokenStore,
  device: DeviceEvent,
  slot: SlotNumber,
  change: SlotChange,
): Promise<ConfigWriteResult> {
  const result = await slotSessionOf(devices, device).deleteSlot(
    slot,
    change.accessCode ?? NO_ACCESS_CODE,
  );
  await audit(store, device, slot, change, result, 'deleted');
  return result;
}

/** Swaps slot 1 and slot 2. */
export async function swapKeySlots(
  devices: DeviceManager,
  store: TokenStore,
  device: DeviceEvent,
  change: SlotChange,
): Promise<ConfigWriteResult> {
  const result = await slotSessionOf(devices, device).swapSlots(
    change.accessCode ?? NO_ACCESS_CODE,
  );
  await audit(store, device, null, change, result, 'swapped');
  return result;
}

function audit(
  store: TokenStore,
  device: DeviceEvent,
  slot: SlotNumber | null,
  change: SlotChange,
  result: ConfigWriteResult,
  done: string,
): Promise<void> {
  return auditProgramming(store, {
    serial: device.serial === undefined ? null : String(device.serial),
    user: change.user ?? null,
    source: change.source,
    device: device.id,
    slot,
    outcome: result.accepted ? done : `rejected: ${result.reason}`,
  });
}

function slotSessionOf(devices: DeviceManager, device: DeviceEvent): OtpSlotSession {
  const session = devices.session(device.id);
  if (!session)
    throw new DeviceError(ErrorCode.DEVICE_GONE, `key ${device.id} is no longer attached`);
  return new OtpSlotSession(session);
}

function ids(devices: readonly DeviceEvent[]): string {
  return devices
    .map((d) => `${d.id}${d.serial !== undefined ? ` serial ${d.serial}` : ''}`)
    .join(', ');
}
