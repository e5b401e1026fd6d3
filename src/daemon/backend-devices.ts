import type { ApiDevice, ServerEvent } from '../api';
import type { DeviceEvent, DeviceManager, OtpEvent } from '../devices';

/**
 * An attached token as the page sees it: no path, no vendor ids, the serial as a string, and
 * whether a press of its button pairs it.
 */
export function toApiDevice(device: DeviceEvent, tapPairing = false): ApiDevice {
  return {
    id: device.id,
    driver: device.driver,
    model: device.model,
    ...(device.serial !== undefined ? { serial: String(device.serial) } : {}),
    ...(device.firmware !== undefined ? { firmware: device.firmware } : {}),
    access: device.access,
    ...(tapPairing ? { tapPairing: true as const } : {}),
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

/**
 * Forwards the manager's attached/detached/otp events as API events; returns the unsubscriber.
 * With `canTap`, whether an attached key pairs by a press is looked up first (the registry may be
 * a database away), and every event waits its turn behind it: they arrive in the order they
 * happened.
 */
export function forwardDeviceEvents(
  devices: DeviceManager,
  send: (event: ServerEvent) => void,
  canTap?: (device: DeviceEvent) => Promise<boolean>,
): () => void {
  let turn: Promise<void> = Promise.resolve();
  let stopped = false;
  const inOrder = (event: () => ServerEvent | Promise<ServerEvent>) => {
    turn = turn.then(event).then((e) => {
      if (!stopped) send(e);
    });
  };
  // Without canTap nothing is looked up: every event goes out as it happens.
  const forward = (event: ServerEvent) => (canTap ? inOrder(() => event) : send(event));
  const offs = [
    devices.on('attached', (d) =>
      canTap
        ? inOrder(async () => ({
            type: 'device.attached',
            device: toApiDevice(d, await canTap(d)),
          }))
        : forward({ type: 'device.attached', device: toApiDevice(d) }),
    ),
    devices.on('detached', (d) => forward({ type: 'device.detached', device: toApiDevice(d) })),
    devices.on('otp', (o) => forward(otpEventOf(o))),
  ];
  return () => {
    stopped = true;
    for (const off of offs) off();
  };
}
