import type { ApiDevice, ServerEvent } from '../api';
import type { DeviceEvent, DeviceManager, OtpEvent } from '../devices';
import type { TokenStore } from '../tokens';

/** An attached token as the page sees it: no path, no vendor ids, the serial as a string. */
export function toApiDevice(device: DeviceEvent): ApiDevice {
  return {
    id: device.id,
    driver: device.driver,
    model: device.model,
    ...(device.serial !== undefined ? { serial: String(device.serial) } : {}),
    ...(device.firmware !== undefined ? { firmware: device.firmware } : {}),
    access: device.access,
  };
}

export function otpEventOf(otp: OtpEvent): ServerEvent {
  return {
    type: 'otp',
    deviceId: otp.deviceId,
    ...(otp.serial !== undefined ? { serial: String(otp.serial) } : {}),
    format: otp.format,
    otp: otp.otp,
  };
}

/** Forwards the manager's attached/detached/otp events as API events; returns the unsubscriber. */
export function forwardDeviceEvents(
  devices: DeviceManager,
  send: (event: ServerEvent) => void,
): () => void {
  const offs = [
    devices.on('attached', (d) => send({ type: 'device.attached', device: toApiDevice(d) })),
    devices.on('detached', (d) => send({ type: 'device.detached', device: toApiDevice(d) })),
    devices.on('otp', (o) => send(otpEventOf(o))),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/**
 * The serial to pre-fill at Hardware Token Pairing: the most recently plugged token that reports a
 * serial which is registered and free (or already the user's).
 */
export async function pluggedSerialFor(
  devices: DeviceManager,
  store: TokenStore,
  user: string,
): Promise<string | undefined> {
  const plugged = devices
    .devices()
    .filter((d) => d.serial !== undefined)
    .sort((a, b) => b.time - a.time);
  for (const device of plugged) {
    const record = await store.get(String(device.serial));
    if (record !== null && (record.user === null || record.user === user)) return record.serial;
  }
  return undefined;
}
