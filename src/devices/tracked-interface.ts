import type { DeviceInfo, Driver, Timer } from '../core';
import type { OtpClassification } from '../yubikey';
import type { DeviceSession, Identity } from './device-session';
import type { DeviceEvent, OtpEvent } from './types';

/**
 * idle: seen, to be opened. opening: open and identify in flight. active: attached, emitting.
 * standby: the same key is used through a better interface. failed: waiting for a retry.
 * given-up: retries spent, until it is unplugged. gone: its connection ended; the next enumeration
 * says whether it is really gone.
 */
export type InterfaceState =
  'idle' | 'opening' | 'active' | 'standby' | 'failed' | 'given-up' | 'gone';

/** What the manager knows about one interface one driver enumerated (of a key, not a key's slot). */
export interface TrackedInterface {
  readonly key: string;
  readonly driver: Driver;
  info: DeviceInfo;
  readonly id: string;
  state: InterfaceState;
  removed: boolean;
  attempts: number;
  retryDue: boolean;
  /** Its last connection ended while the key stayed plugged in (an error, a garbage flood). */
  interrupted: boolean;
  serial?: number | undefined;
  device?: DeviceSession | undefined;
  event?: DeviceEvent | undefined;
  retryTimer?: Timer | undefined;
  abort?: AbortController | undefined;
  /** Settles when this interface's open and identification are over, however they ended. */
  identifying?: Promise<void> | undefined;
}

export function interfaceKey(info: DeviceInfo): string {
  return `${info.driver}\0${info.path}`;
}

export function deviceEvent(
  iface: TrackedInterface,
  identity: Identity,
  time: number,
): DeviceEvent {
  const info = iface.info;
  return {
    id: iface.id,
    driver: info.driver,
    model: info.model,
    vendorId: info.vendorId,
    productId: info.productId,
    ...(identity.serial !== undefined ? { serial: identity.serial } : {}),
    firmware: identity.firmware,
    access: info.access,
    interfaceNumber: info.interfaceNumber,
    time,
  };
}

export function otpEvent(iface: TrackedInterface, otp: OtpClassification, time: number): OtpEvent {
  const base = {
    deviceId: iface.id,
    driver: iface.info.driver,
    ...(iface.serial !== undefined ? { serial: iface.serial } : {}),
    time,
  };
  return otp.format === 'yubico'
    ? { ...base, format: 'yubico', otp: otp.otp, publicId: otp.publicId }
    : {
        ...base,
        format: 'oath-hotp',
        otp: otp.code,
        ...(otp.tokenId !== undefined ? { tokenId: otp.tokenId } : {}),
      };
}
