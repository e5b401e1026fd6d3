import type { ApiDevice, ServerEvent } from '../api';
import type { DeviceEvent, DeviceManager, OtpEvent } from '../devices';

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
