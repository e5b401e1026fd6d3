import { deviceId, type DeviceInfo } from '../core';

/**
 * The device id of an interface (DeviceEvent.id, OtpEvent.deviceId; no Yubico OTP public id): a
 * hash of its physical location when the driver knows it (so one key keeps its id whichever driver
 * reaches it), else of its driver and path. Never the OS path.
 */
export function deviceIdFor(info: DeviceInfo): string {
  return info.location !== undefined
    ? deviceId('location', info.location)
    : deviceId(info.driver, info.path);
}

/**
 * Lower is better. In exclusive mode an interface that captures keystrokes wins; otherwise a shared
 * one. Ties go to the hid driver, which reads without taking the key away from the desktop.
 */
export function rank(info: DeviceInfo, exclusive: boolean): number {
  const wantedAccess = exclusive ? 'exclusive' : 'shared';
  return (info.access === wantedAccess ? 0 : 2) + (info.driver === 'hid' ? 0 : 1);
}

/** True when `candidate` should replace `current` as the one interface used for a key. */
export function outranks(candidate: DeviceInfo, current: DeviceInfo, exclusive: boolean): boolean {
  return rank(candidate, exclusive) < rank(current, exclusive);
}

/** Two interfaces from different drivers that are known to be the same key by where it is plugged. */
export function sameLocation(a: DeviceInfo, b: DeviceInfo): boolean {
  return (
    a.driver !== b.driver &&
    a.location !== undefined &&
    b.location !== undefined &&
    a.location === b.location
  );
}

/**
 * Could these two interfaces be the same key? Then their feature-report exchanges must not overlap
 * (both would talk to one key's single report buffer) until serials tell them apart.
 */
export function mayBeSameKey(a: DeviceInfo, b: DeviceInfo): boolean {
  if (a.driver === b.driver) return false;
  if (a.vendorId !== b.vendorId || a.productId !== b.productId) return false;
  if (a.location !== undefined && b.location !== undefined) return a.location === b.location;
  return true;
}
